"""The Google Sheets backend, on gspread 6 and google-auth: the spreadsheet (sheets), the bodies
of its requests (batch), the paced HTTP client within Google's quotas (http, pacing), and opening
it with a service account's key (connect). Cells are written with valueInputOption=RAW, so
nothing becomes a formula or a number."""

from gspread.exceptions import APIError

from sheets_bridge.google.connect import from_client, open_google
from sheets_bridge.google.sheets import GoogleSheets

__all__ = ["APIError", "GoogleSheets", "from_client", "open_google"]
