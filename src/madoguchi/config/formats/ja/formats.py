"""Date formats for Japanese pages (FORMAT_MODULE_PATH); names not set here come from Django's ``ja``.

Templates write ``|date:"DATE_FORMAT"`` (or ``DATETIME_FORMAT``, ``YEAR_MONTH_FORMAT``,
``MONTH_DAY_FORMAT``) and the weekday filters of ``core/templatetags/dates.py``, never a
literal 「Y年n月j日」, so an English page shows an English date.
"""

DATE_FORMAT = "Y年n月j日"
DATETIME_FORMAT = "Y年n月j日 H:i"
YEAR_MONTH_FORMAT = "Y年n月"
MONTH_DAY_FORMAT = "n月j日"
