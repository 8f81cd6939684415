"""Date formats for English pages (FORMAT_MODULE_PATH); names not set here come from Django's ``en``."""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j M"
