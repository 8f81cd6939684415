"""A logging filter that removes マイナンバー-like digit runs from every log record."""

from __future__ import annotations

import logging
import re

# 12 digits (マイナンバー) with optional separators; 13 digits (法人番号) too.
_MY_NUMBER = re.compile(r"(?<!\d)\d{4}[- ]?\d{4}[- ]?\d{4,5}(?!\d)")


def redact(text: str) -> str:
    return _MY_NUMBER.sub("[REDACTED]", text)


class RedactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string must not lose the record
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True
