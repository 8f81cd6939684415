"""Forms only shape input; the rules live in the services (FieldErrors)."""

from __future__ import annotations

import datetime as dt
from typing import cast

from django import forms

from madoguchi.ledger.normalize import NormalizeError, parse_date


def read_date(value: str) -> dt.date | None:
    """A date typed in any common form (全角, 和暦 included); None when unreadable or empty."""
    if not (value or "").strip():
        return None
    try:
        return parse_date(value)
    except NormalizeError:
        return None


class EventForm(forms.Form):
    name = forms.CharField(required=False, max_length=400)
    occurred_on = forms.CharField(required=False, max_length=40)
    municipalities = forms.MultipleChoiceField(required=False, choices=())

    def __init__(self, *args, municipality_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["municipalities"]).choices = municipality_choices


class UploadForm(forms.Form):
    file = forms.FileField(required=False)
    organization = forms.IntegerField(required=False)
