"""Contracts with agencies and freelance technicians: terms, signatures, rates, the required-clause
checklist, procedures covered, renewals (a new contract linked to the one it renews, so the history of
terms is kept), termination, annual evaluations and the clinic's own clause definitions.

``loading`` reads contracts and works out their facts as of a date; ``rows`` builds what the windows
and the packet show; ``drafts`` holds what the dialogs hand over and checks it; ``operations`` is the
service (every change, one ``*_in`` operation each); ``findings`` says what needs doing.
"""
