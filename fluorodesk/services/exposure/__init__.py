"""Exposure-rate QC: the checks log, corrective actions, missed-period notes, each unit's calendar and
trend, and the QC findings.

Readings are stored in the unit they were read in and judged against the limit in that same unit
(never converted) and against the physicist's baseline that was in effect on the check's date
(``domain.exposure.baseline_for``).  Checks are regulated records: a wrong one is voided or amended (a
new check that points at it), never deleted.

- ``inputs``: reading what a user typed (numbers, dates, choices), shared with units, meters, surveys;
- ``loading``: loading units and their checks, and judging one reading;
- ``rows``: the frozen rows and drafts that go to and from the windows;
- ``evaluation``: one unit judged as of a date (its log, calendar, corrective actions, trend);
- ``operations``: ``ExposureService``, what the Exposure Logs tab and its dialogs call;
- ``findings``: what is wrong with the units and meters on a date.

Units, baselines, meters and surveys have their own services (units.py, meters.py, surveys.py).
"""
