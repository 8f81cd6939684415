"""The applicant's correction page (補正): only the fields the reviewer marked can be changed."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.procedures.fields import get_field_type
from madoguchi.review import selectors, services
from madoguchi.review.services.corrections import correctable_fields


def _fields(correction, values: dict) -> list[dict]:
    """The marked fields: spec, the value to show in the input, and the current value as text."""
    specs = correctable_fields(correction.application.version.definition)
    out = []
    for key in correction.fields:
        spec = specs.get(key)
        if spec is None:
            continue
        field_type = get_field_type(spec["type"])
        out.append(
            {
                "spec": spec,
                "value": values.get(key),
                "current": field_type.display(correction.application.data.get(key), spec),
            }
        )
    return out


@login_required
def correction_respond(request, correction_id):
    correction = selectors.access_correction(user=request.user, correction_id=correction_id)
    application = correction.application
    errors: dict = {}
    error_message = ""
    values = dict(application.data)
    if request.method == "POST" and correction.status == "open":
        specs = correctable_fields(application.version.definition)
        raw = {}
        for key in correction.fields:
            if key in specs:
                raw[key] = get_field_type(specs[key]["type"]).parse_form(
                    specs[key], request.POST, request.FILES
                )
        try:
            services.correction_submit(user=request.user, correction_id=correction.pk, raw=raw)
        except FieldErrors as exc:
            errors = exc.as_dict()
            values.update({k: v for k, v in raw.items() if not hasattr(v, "read")})
        except DomainError as exc:
            error_message = str(exc.message)
        else:
            return redirect(_done_url(correction.pk))
    return render(
        request,
        "review/correction_respond.html",
        {
            "correction": correction,
            "application": application,
            "errors": errors,
            "error_message": error_message,
            "fields": _fields(correction, values),
        },
        status=422 if errors or error_message else 200,
    )


def _done_url(correction_id) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("corrections:done", args=[correction_id])
    except NoReverseMatch:
        return reverse("review:correction_done", args=[correction_id])


@login_required
def correction_done(request, correction_id):
    correction = selectors.access_correction(user=request.user, correction_id=correction_id)
    return render(
        request,
        "review/correction_done.html",
        {"correction": correction, "application": correction.application},
    )
