"""The procedure dose log: fast case entry, trigger levels and their follow-up, summaries, dose findings.

``rows`` (what the Dose Log shows and what its forms hand over), ``loading`` (cases, summaries and the
entry panel's choices, read through one session), ``operations`` (``ProcedureService``: every change,
each one ``*_in`` operation taking the caller's transaction) and ``findings`` (the Overview's).
"""
