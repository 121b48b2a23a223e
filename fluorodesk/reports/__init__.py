"""PDF output made with reportlab (imported lazily, inside the functions that draw); no Qt here."""
