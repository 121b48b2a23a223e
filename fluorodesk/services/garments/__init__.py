"""Protective garments: ``rows`` (what the service hands out, the dialog's draft), ``state`` (where a
garment stands on a date, and loading what that needs), ``operations`` (the service: the inventory's
changes and reads) and ``findings``.  Inspections are ``services.garment_inspections``'s.

The Aprons tab, the inspection-day panel, the labels, the findings and the packet all read garments
through ``rows.garment_rows``, so they cannot disagree about a status or a due date.
"""
