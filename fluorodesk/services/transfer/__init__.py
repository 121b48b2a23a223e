"""Spreadsheet import and export (CSV and .xlsx), all-or-nothing, with a row-by-row report."""
