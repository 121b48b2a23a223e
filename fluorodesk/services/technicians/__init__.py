"""Technicians: the roster, each technician's file (credentials, CE, "not applicable" marks), who may
work on a date and why not, and the technician findings.

``rows`` (what goes out and comes in), ``rules`` (over one loaded technician), ``loading`` (reading
and turning records into rows), ``checks`` (the form's rules), ``operations`` (the service),
``findings``.
"""
