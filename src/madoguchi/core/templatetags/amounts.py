"""``{{ amount|yen }}`` → 「2,000円」, ``{{ n|thousands }}`` → 「2,000」 (core/yen.py). A builtin library: no ``{% load %}`` needed."""

from __future__ import annotations

from typing import Any

from django import template

from madoguchi.core.yen import grouped
from madoguchi.core.yen import yen as format_yen

register = template.Library()


@register.filter
def yen(value: Any) -> str:
    return format_yen(value)


@register.filter
def thousands(value: Any) -> str:
    """「2,000」 for 2000: a whole number grouped for a sentence that names its own unit
    (``{% blocktranslate with n=fee|thousands %}{{ n }}円{% endblocktranslate %}`` → 「2,000円」 /
    "2,000 yen"); anything that is not a whole number as it is."""
    return grouped(value)
