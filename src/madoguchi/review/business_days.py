"""Business days (開庁日) live in ``core.business_days``; re-exported for existing callers."""

from madoguchi.core.business_days import (  # noqa: F401
    add_business_days,
    business_days_between,
    is_business_day,
    is_year_end_holiday,
    next_business_day,
)
