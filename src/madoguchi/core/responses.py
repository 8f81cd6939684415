"""How an HTML form answers (docs/architecture.md, "Forms with errors").

One rule for every page: a POST whose input is refused re-renders the form — everything typed
kept, a summary linking to each field, the message next to the field — and answers
**422 Unprocessable Content**. Anything else answers 200, also a GET that shows problems still
open (the confirmation page listing missing answers, a step opened with ``?check=1``).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

FORM_ERRORS_STATUS = 422


def form_status(request: HttpRequest, errors: Any) -> int:
    """422 for a POST whose input was refused (``errors`` not empty), else 200."""
    return FORM_ERRORS_STATUS if request.method == "POST" and errors else 200
