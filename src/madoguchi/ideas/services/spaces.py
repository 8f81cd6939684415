"""Spaces (proposal boxes and Q&A) created and changed by the organization's admins."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from madoguchi.accounts.models import Department
from madoguchi.audit.services import audit_record
from madoguchi.core.errors import FieldErrors
from madoguchi.ideas import searching, workflow
from madoguchi.ideas.constants import SpaceKind, Visibility
from madoguchi.ideas.models import Proposal, Space
from madoguchi.ideas.permissions import Viewer
from madoguchi.ideas.services._common import text_checked
from madoguchi.ideas.text import clean_text

# ---------------------------------------------------------------------------- spaces


def space_save(
    *,
    viewer: Viewer,
    organization_id: int,
    values: dict[str, Any],
    space: Space | None = None,
) -> Space:
    """Create or change a space (the organization's admins): no code needed for a new box."""
    if not (
        viewer.staff_of(organization_id)
        and (viewer.user.is_superuser or viewer.scope.has_role("admin", organization_id=organization_id))
    ):
        raise Http404
    errors: dict[str, list[str]] = {}
    name = text_checked(
        errors, "name", values.get("name", ""), label=_("名称"), max_length=200, required=True
    )
    slug = clean_text(values.get("slug", ""), max_length=60).lower()
    if not slug or not all(c.isalnum() and c.isascii() or c == "-" for c in slug):
        errors["slug"] = [_("URLに使う名前は半角英数字とハイフンで入力してください。")]
    elif (
        Space.objects.filter(organization_id=organization_id, slug=slug)
        .exclude(pk=space.pk if space is not None else 0)
        .exists()
    ):
        errors["slug"] = [_("この名前はすでに使われています。")]
    kind = values.get("kind", "")
    if kind not in SpaceKind.values:
        errors["kind"] = [_("種類を選んでください。")]
    visibility = values.get("visibility", "")
    if visibility not in Visibility.values:
        errors["visibility"] = [_("公開範囲を選んでください。")]
    numbers: dict[str, int] = {}
    for key, low, high in (
        ("edit_minutes", 0, 1440),
        ("hide_after_reports", 1, 100),
        ("answer_days", 1, 365),
    ):
        raw = clean_text(str(values.get(key, "")), max_length=10)
        try:
            numbers[key] = int(unicodedata.normalize("NFKC", raw))
            if not low <= numbers[key] <= high:
                raise ValueError
        except ValueError:
            errors[key] = [
                _("%(low)s から %(high)s までの数を入力してください。") % {"low": low, "high": high}
            ]
    department = None
    if values.get("moderator_department"):
        department = Department.objects.filter(
            organization_id=organization_id,
            pk=int(values["moderator_department"]) if str(values["moderator_department"]).isdigit() else 0,
        ).first()
        if department is None:
            errors["moderator_department"] = [_("この団体の部署を選んでください。")]
    categories = [
        c.strip() for c in clean_text(values.get("categories", ""), max_length=2000).splitlines() if c.strip()
    ]
    if len(categories) > 20 or any(len(c) > 60 for c in categories):
        errors["categories"] = [_("分類は20個まで、1つ60文字以内にしてください。")]
    statuses = space.statuses if space is not None else workflow.default_statuses()
    if "statuses" in values:
        text = clean_text(values.get("statuses") or "", max_length=4000)
        # an empty box: the standard statuses (受付 → 検討中 → 実現/実施済/見送り)
        statuses, problems = workflow.parse(text) if text else (workflow.default_statuses(), [])
        if space is not None and not problems:
            in_use = set(
                Proposal.objects.filter(space=space)
                .exclude(status=workflow.DRAFT)
                .values_list("status", flat=True)
            ) | set(
                Proposal.objects.filter(space=space)
                .exclude(answer_status="")
                .values_list("answer_status", flat=True)
            )
            gone = sorted(in_use - {r["key"] for r in statuses})
            if gone:
                problems.append(
                    _("この状態の提案があるため、消せません: %(keys)s") % {"keys": "・".join(gone)}
                )
        if problems:
            errors["statuses"] = problems
    if errors:
        raise FieldErrors(errors)
    fields = {
        "name": name,
        "slug": slug,
        "description": clean_text(values.get("description", ""), max_length=2000),
        "kind": kind,
        "visibility": visibility,
        "anonymous": bool(values.get("anonymous")),
        "moderator_department": department,
        "body_template": clean_text(values.get("body_template", ""), max_length=2000),
        "categories": categories,
        "statuses": statuses,
        **numbers,
    }
    with transaction.atomic():
        if space is None:
            space = Space.objects.create(organization_id=organization_id, **fields)
            action = "ideas.space_created"
        else:
            for key, value in fields.items():
                setattr(space, key, value)
            space.save()
            action = "ideas.space_changed"
        audit_record(
            actor=viewer.user, action=action, target=space, after={"slug": slug, "visibility": visibility}
        )
        if action == "ideas.space_changed":
            searching.announce_space(space)
    return space
