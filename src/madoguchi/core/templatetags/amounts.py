"""``{{ amount|yen }}`` → 「2,000円」 (core/yen.py). A builtin library: no ``{% load %}`` needed."""

from __future__ import annotations

from typing import Any

from django import template

from madoguchi.core.yen import yen as format_yen

register = template.Library()


@register.filter
def yen(value: Any) -> str:
    return format_yen(value)
