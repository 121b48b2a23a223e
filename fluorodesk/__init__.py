"""FluoroDesk: compliance records for fluoroscopy-guided procedure clinics."""

__version__ = "0.1.0"
APP_NAME = "FluoroDesk"
