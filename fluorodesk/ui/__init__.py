"""The Qt user interface.  The only package allowed to import PySide6."""
