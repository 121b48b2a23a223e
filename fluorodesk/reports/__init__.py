"""PDF and chart output (reportlab); no Qt.  Heavy imports stay inside functions."""
