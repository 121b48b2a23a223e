"""Staff dosimetry: badges and wear periods, readings, totals against limits and ALARA levels,
investigations, declared pregnancies, dose from other facilities, and the quarterly review sign-off.

The rules (which badge counts for what, when a level is exceeded, when a badge is late) live in
``domain/dosimetry.py``.  Here: ``rows`` (what the tab shows and its dialogs hand over), ``loading``
(the records as they stood on a date), ``evaluation`` (totals, investigations answering a level,
pregnancies), ``validation`` (what a dialog typed), ``operations`` (``DosimetryService``: every change,
each one ``*_in`` operation taking the caller's transaction) and ``findings`` (the Overview's).
"""
