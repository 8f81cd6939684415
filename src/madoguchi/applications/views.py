"""Applicant pages (HTML, no JavaScript needed).

start → one page per step → 確認画面 → receipt (PRG) → status page, plus the list of
drafts and applications. Views parse the request, call one service or selector and
render; navigation rules are reads in selectors.py.
"""

from __future__ import annotations

import secrets
from importlib import import_module
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from madoguchi.applications import selectors, services
from madoguchi.applications.constants import WITHDRAWABLE, ProxyRelationship
from madoguchi.applications.forms import StartForm, WithdrawForm
from madoguchi.applications.pdf import receipt_pdf
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.procedures.fields import ValidationContext
from madoguchi.procedures.selectors import ATTACHMENT_TYPES, procedure_get_public
from madoguchi.procedures.validation import get_step, iter_steps, parse_step_form, validate_step

# Values typed by a visitor who is not signed in yet, kept until they sign in.
STASH_SESSION_KEY = "applications.stash"
STASH_DONE_SESSION_KEY = "applications.stash_done"
SUBMIT_TOKENS_SESSION_KEY = "applications.submit_tokens"
RETURN_TO_VALUES = {"confirm", "resume"}


def _error_page(request, exc: DomainError):
    return render(
        request, "core/error.html", {"title": _("ご案内"), "message": exc.message}, status=exc.status
    )


def _return_to(request) -> str:
    value = request.POST.get("return_to") or request.GET.get("return_to") or ""
    return value if value in RETURN_TO_VALUES else ""


def _url_with_return(url: str, return_to: str) -> str:
    return f"{url}?return_to={return_to}" if return_to else url


# ---------------------------------------------------------------------------- start


@require_http_methods(["GET", "POST"])
def start(request, org_slug: str, procedure_slug: str):
    """「申請をはじめる」: asks 本人／代理人 when the procedure allows proxies, then opens a draft."""
    procedure = procedure_get_public(org_slug=org_slug, procedure_slug=procedure_slug)
    form = StartForm(request.POST or None) if procedure.allows_proxy else None
    if request.method == "POST" and (form is None or form.is_valid()):
        as_proxy = bool(form and form.as_proxy)
        if not request.user.is_authenticated:
            request.session[STASH_SESSION_KEY] = {"procedure": procedure.pk, "as_proxy": as_proxy, "raw": {}}
            return redirect("applications:start_step", org_slug, procedure_slug)
        try:
            draft = services.draft_start(applicant=request.user, procedure=procedure, as_proxy=as_proxy)
        except DomainError as exc:
            return _error_page(request, exc)
        return redirect("applications:draft_resume", draft.pk)
    return render(request, "applications/start.html", {"procedure": procedure, "form": form})


def _stash(request, procedure) -> dict[str, Any] | None:
    stash = request.session.get(STASH_SESSION_KEY)
    if isinstance(stash, dict) and stash.get("procedure") == procedure.pk:
        return stash
    return None


def _json_safe(raw: dict[str, Any]) -> dict[str, Any]:
    """Files cannot wait in the session; they are attached after signing in."""

    def keep(value: Any) -> bool:
        if isinstance(value, UploadedFile):
            return False
        if isinstance(value, list | tuple):
            return not any(isinstance(v, UploadedFile) for v in value)
        return True

    return {k: v for k, v in raw.items() if keep(v)}


@require_http_methods(["GET", "POST"])
def start_step(request, org_slug: str, procedure_slug: str):
    """The first step for a visitor who has not signed in; typed values wait in the session."""
    procedure = procedure_get_public(org_slug=org_slug, procedure_slug=procedure_slug)
    stash = _stash(request, procedure)
    if request.user.is_authenticated:
        if stash is not None:
            return redirect("applications:start_resume", org_slug, procedure_slug)
        return redirect("procedures:detail", org_slug, procedure_slug)
    if stash is None:  # e.g. the session expired: begin again from the procedure page
        stash = {"procedure": procedure.pk, "as_proxy": False, "raw": {}}
        if procedure.allows_proxy:
            return redirect("applications:start", org_slug, procedure_slug)
    definition = procedure.current_version.definition
    steps = iter_steps(definition)
    if not steps:
        raise Http404
    step = steps[0]
    # Files cannot wait in the session: they are asked for on the same page after signing in.
    files = [spec for spec in step.get("fields", []) if spec.get("type") in ATTACHMENT_TYPES]
    file_keys = {spec["key"] for spec in files}
    shown_step = {**step, "fields": [spec for spec in step.get("fields", []) if spec["key"] not in file_keys]}
    errors: dict[str, list[str]] = {}
    data = dict(stash.get("raw") or {})
    if request.method == "POST":
        raw = parse_step_form(definition, step["key"], request.POST, {})
        lookup_key = _lookup_key(request.POST)
        if lookup_key:
            raw, errors = _run_lookup(definition, step["key"], request.POST, raw)
        data = {k: v for k, v in _json_safe(raw).items() if k not in file_keys}
        request.session[STASH_SESSION_KEY] = {**stash, "raw": data}
        if not lookup_key:
            try:
                validate_step(definition, step["key"], raw, context=ValidationContext(), known={})
            except FieldErrors as exc:
                errors = {k: v for k, v in exc.as_dict().items() if k.split(".")[0] not in file_keys}
            if not errors:
                resume = reverse("applications:start_resume", args=[org_slug, procedure_slug])
                return redirect_to_login(resume)
    return _render_step(
        request,
        procedure=procedure,
        step=shown_step,
        data=data,
        errors=errors,
        steps=selectors.definition_steps(definition, data),
        draft=None,
        back_url=reverse("procedures:detail", args=[org_slug, procedure_slug]),
        deferred_files=[str(spec.get("label", spec["key"])) for spec in files],
    )


@login_required
def start_resume(request, org_slug: str, procedure_slug: str):
    """After signing in: the draft is created from what was typed before, nothing is lost."""
    procedure = procedure_get_public(org_slug=org_slug, procedure_slug=procedure_slug)
    stash = _stash(request, procedure)
    done = request.session.get(STASH_DONE_SESSION_KEY, {})
    if stash is None:
        draft_id = done.get(str(procedure.pk))
        if draft_id:
            return redirect("applications:draft_resume", draft_id)
        messages.info(
            request, _("入力途中の内容は見つかりませんでした。お手数ですが、最初から入力してください。")
        )
        return redirect("procedures:detail", org_slug, procedure_slug)
    try:
        draft = services.draft_start(
            applicant=request.user, procedure=procedure, as_proxy=bool(stash.get("as_proxy"))
        )
    except DomainError as exc:
        return _error_page(request, exc)
    del request.session[STASH_SESSION_KEY]
    request.session[STASH_DONE_SESSION_KEY] = {**done, str(procedure.pk): str(draft.pk)}
    first = iter_steps(draft.version.definition)[0]
    known = {spec["key"] for spec in first.get("fields", [])}  # the version may have changed meanwhile
    raw = {k: v for k, v in (stash.get("raw") or {}).items() if k in known}
    first = first["key"]
    try:
        services.draft_save_step(draft=draft, step_key=first, raw=raw)
    except FieldErrors:
        return redirect(reverse("applications:draft_step", args=[draft.pk, first]) + "?check=1")
    if draft.data.get(services.PROXY_REQUESTED_KEY):
        return redirect(_url_with_return(reverse("applications:draft_proxy", args=[draft.pk]), "resume"))
    return redirect("applications:draft_resume", draft.pk)


# ---------------------------------------------------------------------------- steps


def _lookup_key(post) -> str:
    return next((key for key in post if key.startswith("lookup:")), "")


def _run_lookup(definition: dict, step_key: str, post, raw: dict[str, Any]):
    """郵便番号 → 住所 without JavaScript: the fields engineer's apply_lookup fills the values."""
    fields_module = import_module("madoguchi.procedures.fields")
    apply_lookup = getattr(fields_module, "apply_lookup", None)
    if apply_lookup is None:
        return raw, {}
    result = apply_lookup(definition, step_key, post)
    errors: dict[str, list[str]] = {}
    if isinstance(result, tuple):
        result, errors = result
    if hasattr(result, "getlist"):  # a filled-in copy of the post
        result = parse_step_form(definition, step_key, result, {})
    # apply_lookup reads no files: keep a file chosen in the same post so it is stored too.
    files = {k: v for k, v in raw.items() if isinstance(v, UploadedFile)}
    return {**raw, **(result or {}), **files}, errors or {}


def _render_step(
    request, *, procedure, step, data, errors, steps, draft, back_url, return_to="", deferred_files=()
):
    keys = [s.key for s in steps]
    number = keys.index(step["key"]) + 1 if step["key"] in keys else 1
    fields = selectors.step_fields(step, data)
    return render(
        request,
        "applications/step.html",
        {
            "procedure": procedure,
            "draft": draft,
            "step": step,
            "steps": steps,
            "number": number,
            "total": len(steps) + 1,  # + 確認
            "fields": fields,
            "errors": errors,
            "error_list": selectors.error_links(step, errors),
            "back_url": back_url,
            "return_to": return_to,
            "is_first": number == 1,
            "deferred_files": deferred_files,
        },
    )


@login_required
def draft_resume(request, draft_id):
    """Continue a draft where it was left: the first page not completed, else 確認画面."""
    draft = selectors.access_draft(user=request.user, draft_id=draft_id)
    if draft.application_id:
        return redirect("applications:receipt", draft.application_id)
    step = selectors.draft_resume_step(draft)
    if step is None:
        return redirect("applications:draft_confirm", draft.pk)
    if step.is_proxy:
        return redirect("applications:draft_proxy", draft.pk)
    return redirect("applications:draft_step", draft.pk, step.key)


def _after_step(draft, current_key: str, action: str, return_to: str):
    """Where a saved step leads: back, save and leave, 確認画面 or the next page."""
    steps = selectors.draft_steps(draft)
    previous, following = selectors.step_neighbours(steps, current_key)
    procedure = draft.version.procedure
    if action == "back":
        if previous is None:
            return redirect("procedures:detail", procedure.organization.slug, procedure.slug)
        if previous.is_proxy:
            return redirect("applications:draft_proxy", draft.pk)
        return redirect("applications:draft_step", draft.pk, previous.key)
    if action == "save":
        return redirect("applications:mine")
    if return_to == "confirm" or following is None:
        return redirect("applications:draft_confirm", draft.pk)
    if return_to == "resume":
        return redirect("applications:draft_resume", draft.pk)
    return redirect("applications:draft_step", draft.pk, following.key)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def draft_step(request, draft_id, step_key: str):
    draft = selectors.access_draft(user=request.user, draft_id=draft_id)
    if draft.application_id:
        return redirect("applications:receipt", draft.application_id)
    definition = draft.version.definition
    try:
        step = get_step(definition, step_key)
    except KeyError:
        raise Http404 from None
    steps = selectors.draft_steps(draft)
    if step_key not in {s.key for s in steps}:
        return redirect("applications:draft_resume", draft.pk)
    return_to = _return_to(request)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        action = request.POST.get("action", "next")
        action = action if action in {"next", "back", "save"} else "next"
        raw = parse_step_form(definition, step_key, request.POST, request.FILES)
        lookup_key = _lookup_key(request.POST)
        if lookup_key:
            raw, errors = _run_lookup(definition, step_key, request.POST, raw)
            action = "lookup"
        saved_errors: dict[str, list[str]] = {}
        try:
            draft = services.draft_save_step(draft=draft, step_key=step_key, raw=raw)
        except FieldErrors as exc:  # what was typed is saved anyway
            draft = selectors.access_draft(user=request.user, draft_id=draft_id)
            saved_errors = exc.as_dict()
        except DomainError as exc:
            return _error_page(request, exc)
        if action == "next" and saved_errors:
            errors = saved_errors
        elif action != "lookup":  # 戻る and 保存 never block on errors
            if action == "save":
                messages.success(request, _("入力内容を保存しました。続きはこの一覧から入力できます。"))
            return _after_step(draft, step_key, action, return_to)
        steps = selectors.draft_steps(draft)
    elif request.GET.get("check"):
        errors = selectors.step_errors(draft, step_key)
    return _render_step(
        request,
        procedure=draft.version.procedure,
        step=step,
        data=draft.data,
        errors=errors,
        steps=steps,
        draft=draft,
        back_url="",
        return_to=return_to,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def draft_proxy(request, draft_id):
    """代理申請: relationship, the principal's name and the 委任状."""
    draft = selectors.access_draft(user=request.user, draft_id=draft_id)
    if draft.application_id:
        return redirect("applications:receipt", draft.application_id)
    procedure = draft.version.procedure
    if not procedure.allows_proxy or not selectors.draft_wants_proxy(draft):
        raise Http404
    return_to = _return_to(request)
    errors: dict[str, list[str]] = {}
    values = {"proxy_relationship": draft.proxy_relationship, "principal_name": draft.principal_name}
    if request.method == "POST":
        if request.POST.get("action") == "back":
            return redirect("procedures:detail", procedure.organization.slug, procedure.slug)
        values = {
            "proxy_relationship": request.POST.get("proxy_relationship", ""),
            "principal_name": request.POST.get("principal_name", ""),
        }
        try:
            draft = services.draft_set_proxy(
                draft=draft,
                relationship=values["proxy_relationship"],
                principal_name=values["principal_name"],
                power_of_attorney=request.FILES.get("power_of_attorney"),
            )
        except FieldErrors as exc:
            errors = exc.as_dict()
        except DomainError as exc:
            return _error_page(request, exc)
        else:
            return _after_step(draft, selectors.PROXY_STEP, "next", return_to)
    steps = selectors.draft_steps(draft)
    return render(
        request,
        "applications/proxy.html",
        {
            "procedure": procedure,
            "draft": draft,
            "steps": steps,
            "number": 1,
            "total": len(steps) + 1,
            "values": values,
            "errors": errors,
            "error_list": selectors.proxy_error_links(errors),
            "relationships": ProxyRelationship.choices,
            "power_of_attorney": draft.data.get("__power_of_attorney"),
            "return_to": return_to,
        },
    )


# ---------------------------------------------------------------------------- 確認画面 and submit


def _issue_submit_token(request, draft) -> str:
    token = secrets.token_urlsafe(16)
    tokens = request.session.get(SUBMIT_TOKENS_SESSION_KEY, {})
    issued = [*tokens.get(str(draft.pk), []), token][-5:]  # a few open tabs at most
    request.session[SUBMIT_TOKENS_SESSION_KEY] = {**tokens, str(draft.pk): issued}
    return token


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def draft_confirm(request, draft_id):
    draft = selectors.access_draft(user=request.user, draft_id=draft_id)
    if draft.application_id:
        return redirect("applications:receipt", draft.application_id)
    problems: dict[str, list[str]] | None = None
    if request.method == "POST":
        token = request.POST.get("submit_token", "")
        issued = request.session.get(SUBMIT_TOKENS_SESSION_KEY, {}).get(str(draft.pk), [])
        if token and token in issued:
            try:
                application = services.application_submit(
                    draft=draft, actor=request.user, idempotency_key=f"web:{draft.pk}:{token}"
                )
            except FieldErrors as exc:
                problems = exc.as_dict()
            except DomainError as exc:
                return _error_page(request, exc)
            else:
                return redirect("applications:receipt", application.pk)
        else:
            messages.error(
                request,
                _("画面の有効期限が切れました。内容を確認して、もう一度「申請する」を押してください。"),
            )
    if problems is None:
        problems = selectors.draft_problems(draft)
    steps = selectors.draft_steps(draft)
    return render(
        request,
        "applications/confirm.html",
        {
            "procedure": draft.version.procedure,
            "draft": draft,
            "steps": steps,
            "number": len(steps) + 1,
            "total": len(steps) + 1,
            "groups": selectors.draft_answer_groups(draft),
            "problems": selectors.problem_links(draft, problems),
            "proxy_relationship": selectors.proxy_relationship_label(draft.proxy_relationship),
            "power_of_attorney": draft.data.get("__power_of_attorney"),
            "wants_proxy": selectors.draft_wants_proxy(draft),
            "submit_token": _issue_submit_token(request, draft),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def draft_discard(request, draft_id):
    draft = selectors.access_draft(user=request.user, draft_id=draft_id)
    if draft.application_id:
        return redirect("applications:detail", draft.application_id)
    if request.method == "POST":
        try:
            services.draft_discard(draft=draft)
        except DomainError as exc:
            return _error_page(request, exc)
        messages.success(request, _("入力途中の申請を削除しました。"))
        return redirect("applications:mine")
    return render(
        request, "applications/discard.html", {"draft": draft, "procedure": draft.version.procedure}
    )


# ---------------------------------------------------------------------------- after submission


@login_required
def mine(request):
    return render(
        request,
        "applications/mine.html",
        {
            "drafts": selectors.draft_list_rows(user=request.user),
            "applications": selectors.application_list(user=request.user),
        },
    )


def _application_context(application) -> dict[str, Any]:
    return {
        "application": application,
        "procedure": application.procedure,
        "received_at": selectors.jst_label(application.submitted_at),
        "proxy_relationship": selectors.proxy_relationship_label(application.proxy_relationship),
    }


@login_required
@never_cache
def receipt(request, application_id):
    application = selectors.access_application(user=request.user, application_id=application_id)
    return render(request, "applications/receipt.html", _application_context(application))


@login_required
@never_cache
def receipt_pdf_view(request, application_id):
    application = selectors.access_application(user=request.user, application_id=application_id)
    response = HttpResponse(receipt_pdf(application), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{application.reference_number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@never_cache
def detail(request, application_id):
    """状況照会: current status, public timeline, attachments, answers, 取下げ."""
    application = selectors.access_application(user=request.user, application_id=application_id)
    return render(
        request,
        "applications/detail.html",
        {
            **_application_context(application),
            "events": selectors.public_events(application),
            "attachments": selectors.application_attachments(application),
            "groups": selectors.group_rows(selectors.application_answer_rows(application)),
            "can_withdraw": application.status in WITHDRAWABLE,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request, application_id):
    """取下げ: a confirmation page with an optional reason, then the status page."""
    application = selectors.access_application(user=request.user, application_id=application_id)
    form = WithdrawForm(request.POST or None)
    error = ""
    if application.status not in WITHDRAWABLE:
        error = _("この申請は取り下げられません（状況: %(status)s）。") % {
            "status": application.get_status_display()
        }
    elif request.method == "POST" and form.is_valid():
        try:
            services.application_withdraw(
                application=application, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            error = str(exc.message)
        else:
            messages.success(request, _("申請を取り下げました。"))
            return redirect("applications:detail", application.pk)
    return render(
        request,
        "applications/withdraw.html",
        {"application": application, "procedure": application.procedure, "form": form, "error": error},
        status=409 if error and request.method == "POST" else 200,
    )


@login_required
def attachment_download(request, attachment_id):
    attachment = selectors.access_attachment(user=request.user, attachment_id=attachment_id)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )
    response["Cache-Control"] = "private, no-store"
    return response
