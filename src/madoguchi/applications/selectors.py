"""Reads for applicant screens. ``access_*`` fetches and checks ownership (404 otherwise)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from madoguchi.applications.constants import PROXY_REQUESTED_KEY, ProxyRelationship
from madoguchi.applications.models import Application, Attachment, Draft
from madoguchi.core.errors import FieldErrors
from madoguchi.procedures import rules
from madoguchi.procedures.conditions import condition_holds, condition_keys, expression_of
from madoguchi.procedures.steps import step_is_applicable
from madoguchi.procedures.translations import localize
from madoguchi.procedures.validation import (
    display_rows,
    iter_fields,
    iter_steps,
    validate_all,
    validate_step,
)
from madoguchi.procedures.wareki import to_wareki


def draft_list(*, user: Any) -> QuerySet[Draft]:
    return (
        Draft.objects.filter(applicant=user, application__isnull=True)
        .select_related("version__procedure__organization")
        .order_by("-updated_at")
    )


def application_list(*, user: Any) -> QuerySet[Application]:
    return (
        Application.objects.filter(applicant=user)
        .select_related("procedure__organization")
        .order_by("-submitted_at")
    )


def access_draft(*, user: Any, draft_id: Any) -> Draft:
    try:
        return Draft.objects.select_related("version__procedure__organization").get(
            pk=draft_id, applicant=user
        )
    except (Draft.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    except Exception as exc:  # django.core.exceptions.ValidationError for malformed UUIDs
        raise Http404 from exc


def access_application(*, user: Any, application_id: Any) -> Application:
    try:
        return Application.objects.select_related("procedure__organization", "version").get(
            pk=application_id, applicant=user
        )
    except (Application.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    except Exception as exc:  # malformed UUID
        raise Http404 from exc


def access_attachment(*, user: Any, attachment_id: Any) -> Attachment:
    try:
        return Attachment.objects.get(Q(owner=user) | Q(application__applicant=user), pk=attachment_id)
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    except Exception as exc:
        raise Http404 from exc


def public_events(application: Application):
    return application.events.filter(public=True).order_by("at", "id")


# ---------------------------------------------------------------------------- draft flow
# Which pages a draft has, which fields a step shows, and how answers are displayed.
# Pure reads over the version's definition and the draft's data.

PROXY_STEP = "__proxy"
MYNUMBER_TYPES = {"mynumber"}
MASKED_MYNUMBER = "＊＊＊＊ ＊＊＊＊ ＊＊＊＊"


@dataclass(frozen=True)
class StepInfo:
    key: str
    title: str
    completed: bool
    is_proxy: bool = False


def draft_wants_proxy(draft: Draft) -> bool:
    return bool(draft.is_proxy or draft.data.get(PROXY_REQUESTED_KEY))


def draft_steps(draft: Draft) -> list[StepInfo]:
    """The pages of this draft in order (代理人 page first when applying as proxy)."""
    steps: list[StepInfo] = []
    if draft_wants_proxy(draft):
        steps.append(StepInfo(PROXY_STEP, str(_("代理人の情報")), draft.is_proxy, is_proxy=True))
    completed = set(draft.completed_steps)
    for step in iter_steps(draft.version.definition):
        if step_is_applicable(step, draft.data):
            steps.append(StepInfo(step["key"], localize(step).get("title", ""), step["key"] in completed))
    return steps


def definition_steps(definition: dict, data: dict[str, Any]) -> list[StepInfo]:
    """Pages of a procedure before any draft exists (a visitor not signed in yet)."""
    return [
        StepInfo(step["key"], localize(step).get("title", ""), False)
        for step in iter_steps(definition)
        if step_is_applicable(step, data)
    ]


def step_neighbours(steps: list[StepInfo], key: str) -> tuple[StepInfo | None, StepInfo | None]:
    keys = [s.key for s in steps]
    if key not in keys:
        return None, None
    i = keys.index(key)
    return (steps[i - 1] if i > 0 else None), (steps[i + 1] if i + 1 < len(steps) else None)


def draft_resume_step(draft: Draft) -> StepInfo | None:
    """The first page not yet completed, or None when every page is done."""
    for step in draft_steps(draft):
        if not step.completed:
            return step
    return None


def _option_label(spec: dict | None, value: Any) -> str:
    for option in (spec or {}).get("options", []):
        if str(option.get("value")) == str(value):
            return str(option.get("label", value))
    return str(value)


def condition_hint(cond: dict[str, Any], specs: dict[str, dict]) -> str:
    """Plain words for a condition, e.g. 「種別」で「その他」を選んだ方のみ."""
    expression = expression_of(cond)
    if expression is not None:
        return _("次に当てはまる方のみ：%(condition)s") % {"condition": rules.explain(expression, specs)}
    if "field" in cond:
        spec = specs.get(str(cond["field"]).split(".")[0])
        label = (spec or {}).get("label", cond["field"])
        if "equals" in cond:
            return _("「%(label)s」で「%(value)s」を選んだ方のみ") % {
                "label": label,
                "value": _option_label(spec, cond["equals"]),
            }
        if "in" in cond:
            values = "」「".join(_option_label(spec, v) for v in cond["in"])
            return _("「%(label)s」で「%(value)s」のいずれかを選んだ方のみ") % {
                "label": label,
                "value": values,
            }
        if cond.get("not_empty"):
            return _("「%(label)s」を入力した方のみ") % {"label": label}
    return _("条件に当てはまる方のみ")


def step_fields(step: dict, data: dict[str, Any]) -> list[dict[str, Any]]:
    """The fields to show on a step page, each with its value and a condition hint.

    Conditions on answers of earlier pages are decided here (the field is left out);
    conditions on answers of this same page cannot be decided without JavaScript, so the
    field is shown with a hint and validated only when it applies.
    """
    own = {spec["key"]: spec for spec in step.get("fields", [])}
    shown = []
    for spec in step.get("fields", []):
        cond = spec.get("show_if")
        hint = ""
        if cond:
            if condition_keys(cond) & set(own):
                hint = condition_hint(cond, own)
            elif not condition_holds(cond, data):
                continue
        elif spec.get("required_if") and condition_keys(spec["required_if"]) & set(own):
            hint = _("%(condition)s入力してください") % {
                "condition": condition_hint(spec["required_if"], own)
            }
        if hint:  # shown as the field's help text, tied to the input with aria-describedby
            sentence = _("%(hint)s。") % {"hint": hint}
            spec = {**spec, "help": f"{sentence}{spec['help']}" if spec.get("help") else sentence}
        shown.append({"spec": spec, "key": spec["key"], "value": data.get(spec["key"]), "hint": hint})
    return shown


def _masked_rows(definition: dict, data: dict[str, Any]) -> list[dict[str, Any]]:
    types = {spec["key"]: spec.get("type") for _step, spec in iter_fields(definition)}
    rows = display_rows(definition, data)
    for row in rows:
        if types.get(row["key"]) in MYNUMBER_TYPES and row["value"]:
            row["value"] = MASKED_MYNUMBER  # マイナンバー is never shown back
    return rows


def group_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows grouped by step, in order: [{"step", "title", "rows": [...]}]."""
    groups: list[dict[str, Any]] = []
    for row in rows:
        if not groups or groups[-1]["step"] != row["step"]:
            groups.append({"step": row["step"], "title": row["step_title"], "rows": []})
        groups[-1]["rows"].append(row)
    return groups


def draft_answer_groups(draft: Draft) -> list[dict[str, Any]]:
    data = {k: v for k, v in draft.data.items() if not k.startswith("__")}
    applicable = {s.key for s in draft_steps(draft)}
    return [g for g in group_rows(_masked_rows(draft.version.definition, data)) if g["step"] in applicable]


def application_answer_rows(application: Application) -> list[dict[str, Any]]:
    data = {k: v for k, v in application.data.items() if not k.startswith("__")}
    return _masked_rows(application.version.definition, data)


def draft_problems(draft: Draft) -> dict[str, list[str]]:
    """What still blocks submission, keyed by field (``__proxy`` for the proxy page)."""
    from madoguchi.applications.services import validation_context

    problems: dict[str, list[str]] = {}
    if draft.data.get(PROXY_REQUESTED_KEY) and not draft.is_proxy:
        problems[PROXY_STEP] = [str(_("代理人の情報と委任状を入力してください。"))]
    data = {k: v for k, v in draft.data.items() if not k.startswith("__")}
    try:
        validate_all(draft.version.definition, data, context=validation_context(user=draft.applicant))
    except FieldErrors as exc:
        problems.update(exc.as_dict())
    return problems


def field_step(definition: dict, field_key: str) -> str | None:
    """The step that holds a field (``key`` or ``key.part``)."""
    base = field_key.split(".")[0]
    for step, spec in iter_fields(definition):
        if spec["key"] == base:
            return step["key"]
    return None


def field_label(definition: dict, field_key: str) -> str:
    base = field_key.split(".")[0]
    for _step, spec in iter_fields(definition):
        if spec["key"] == base:
            return str(spec.get("label", base))
    return base


def proxy_relationship_label(value: str) -> str:
    return str(ProxyRelationship(value).label) if value in ProxyRelationship.values else value


def decision_notices(application: Application) -> list[dict[str, str]]:
    """Signed decision notices (決定通知書 / 不承認通知書) the applicant can download."""
    from django.urls import reverse

    from madoguchi.review.selectors import application_notices

    return [
        {"title": n.title, "url": reverse("review:notice", args=[n.pk]), "created_at": n.created_at}
        for n in application_notices(user=application.applicant, application_id=application.pk)
    ]


def open_correction(application: Application) -> dict[str, str] | None:
    """An open 補正 request for the status page: its message and where to answer it.

    The review app owns corrections; without it (or without a request) this is None.
    """
    try:
        from madoguchi.review.applicant_urls import correction_url
        from madoguchi.review.selectors import open_correction_for
    except ImportError:
        return None
    correction = open_correction_for(user=application.applicant, application_id=application.pk)
    if correction is None:
        return None
    return {"message": correction.message, "url": correction_url(correction.pk)}


def application_attachments(application: Application) -> QuerySet[Attachment]:
    return Attachment.objects.filter(application=application).order_by("created_at")


def draft_list_rows(*, user: Any) -> list[dict[str, Any]]:
    """Drafts for the 申請一覧, with how far each got."""
    rows = []
    for draft in draft_list(user=user):
        steps = draft_steps(draft)
        rows.append(
            {
                "draft": draft,
                "procedure": draft.version.procedure,
                "done": sum(1 for s in steps if s.completed),
                "total": len(steps),
                "proxy": draft_wants_proxy(draft),
            }
        )
    return rows


# ---------------------------------------------------------------------------- dates


def wareki_date(day: date) -> str:
    """2026-01-02 → 令和8年1月2日 (元年 for the first year of an era)."""
    return to_wareki(day)


def jst_label(moment: datetime) -> str:
    """受付日時 as people read it: 令和8年1月2日（2026年）14時03分 (JST)."""
    local = timezone.localtime(moment, ZoneInfo("Asia/Tokyo"))
    return f"{wareki_date(local.date())}（{local.year}年）{local.hour}時{local.minute:02d}分"


# ---------------------------------------------------------------------------- errors
# The error summary at the top of a page links to each input (WCAG: error identification).


def field_input_id(error_key: str) -> str:
    """The HTML id of the input an error is about: ``name`` → ``id_name``, ``a.part`` → ``id_a.part``."""
    return f"id_{error_key}"


def _ordered_errors(step: dict, errors: dict[str, list[str]]) -> list[str]:
    order = [spec["key"] for spec in step.get("fields", [])]

    def position(key: str) -> tuple[int, str]:
        base = key.split(".")[0]
        return (order.index(base) if base in order else len(order), key)

    return sorted(errors, key=position)


def error_links(step: dict, errors: dict[str, list[str]]) -> list[dict[str, str]]:
    """[{"href": "#id_name", "message": "..."}] in the order of the fields on the page."""
    own = {spec["key"] for spec in step.get("fields", [])}
    links = []
    for key in _ordered_errors(step, errors):
        # A message about the page as a whole (e.g. a check on a page without inputs) links to the form.
        href = f"#{field_input_id(key)}" if key.split(".")[0] in own else "#step-form"
        for message in errors[key]:
            links.append({"key": key, "href": href, "message": str(message)})
    return links


PROXY_INPUT_IDS = {
    "proxy_relationship": "id_proxy_relationship",
    "principal_name": "id_principal_name",
    "power_of_attorney": "id_power_of_attorney",
}


def proxy_error_links(errors: dict[str, list[str]]) -> list[dict[str, str]]:
    links = []
    for key in PROXY_INPUT_IDS:
        for message in errors.get(key, []):
            links.append({"key": key, "href": f"#{PROXY_INPUT_IDS[key]}", "message": str(message)})
    return links


def step_errors(draft: Draft, step_key: str) -> dict[str, list[str]]:
    """What is wrong on one page with the values saved so far (shown after a redirect)."""
    from madoguchi.applications.services import validation_context

    data = {k: v for k, v in draft.data.items() if not k.startswith("__")}
    try:
        validate_step(
            draft.version.definition,
            step_key,
            data,
            context=validation_context(user=draft.applicant),
            known=data,
        )
    except FieldErrors as exc:
        return exc.as_dict()
    return {}


def problem_links(draft: Draft, problems: dict[str, list[str]]) -> list[dict[str, str]]:
    """Problems on the 確認画面, each linking to the page and input to fix."""
    from django.urls import reverse

    definition = draft.version.definition
    links = []
    for key, messages in problems.items():
        if key in (PROXY_STEP, "__proxy"):
            url = reverse("applications:draft_proxy", args=[draft.pk]) + "?return_to=confirm"
            links += [{"key": key, "href": url, "message": str(m)} for m in messages]
            continue
        step_key = field_step(definition, key)
        if step_key is None:  # not about one input: shown without a link
            links += [{"key": key, "href": "", "message": str(m)} for m in messages]
            continue
        url = (
            reverse("applications:draft_step", args=[draft.pk, step_key])
            + f"?return_to=confirm&check=1#{field_input_id(key)}"
        )
        links += [{"key": key, "href": url, "message": str(m)} for m in messages]
    return links
