"""Pure compliance rules: plain Python, no Qt and no database session."""
