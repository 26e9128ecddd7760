"""How dates read on every page of the project (the admin's lists, pages and messages): 31 Oct
2026. Date inputs show and take 2026-10-31 first, as the API, the CSV files and the importer
write dates, and still take 31/10/2026 or 31 Oct 2026 when typed."""

DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d %b %Y"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]
