"""Drafts: one page per step, the 代理人 page, 確認画面 and submission, discarding."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from madoguchi.applications import selectors, services
from madoguchi.applications.constants import ProxyRelationship
from madoguchi.applications.views.common import (
    SUBMIT_TOKENS_SESSION_KEY,
    error_page,
    identity_gate,
    render_step,
    return_to_of,
)
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.core.responses import form_status
from madoguchi.procedures.lookup import lookup_button, run_lookup
from madoguchi.procedures.steps import page_total
from madoguchi.procedures.validation import get_step, parse_step_form


@login_required
def draft_resume(request, draft_id):
    """Continue a draft where it was left: the first page not completed, else 確認画面."""
    draft = selectors.access_draft(user=request.user, draft_id=draft_id)
    if draft.application_id:
        return redirect("applications:receipt", draft.application_id)
    gate = identity_gate(request, draft.version.procedure)
    if gate:
        return gate
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
    # Below the level the procedure needs: a GET shows how to sign in; a POST saves first.
    gate = identity_gate(request, draft.version.procedure)
    if gate and request.method != "POST":
        return gate
    return_to = return_to_of(request)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        action = request.POST.get("action", "next")
        action = action if action in {"next", "back", "save"} else "next"
        raw = parse_step_form(definition, step_key, request.POST, request.FILES)
        lookup_key = lookup_button(request.POST)
        if lookup_key:
            raw, errors = run_lookup(definition, step_key, request.POST, raw)
            action = "lookup"
        saved_errors: dict[str, list[str]] = {}
        try:
            draft = services.draft_save_step(draft=draft, step_key=step_key, raw=raw)
        except FieldErrors as exc:  # what was typed is saved anyway
            draft = selectors.access_draft(user=request.user, draft_id=draft_id)
            saved_errors = exc.as_dict()
        except DomainError as exc:
            return error_page(request, exc)
        if gate:
            return gate
        if action == "next" and saved_errors:
            errors = saved_errors
        elif action != "lookup":  # 戻る and 保存 never block on errors
            if action == "save":
                messages.success(request, _("入力内容を保存しました。続きはこの一覧から入力できます。"))
            return _after_step(draft, step_key, action, return_to)
        steps = selectors.draft_steps(draft)
    elif request.GET.get("check"):
        errors = selectors.step_errors(draft, step_key)
    return render_step(
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
    gate = identity_gate(request, procedure)
    if gate and request.method != "POST":
        return gate
    return_to = return_to_of(request)
    errors: dict[str, list[str]] = {}
    values = {"proxy_relationship": draft.proxy_relationship, "principal_name": draft.principal_name}
    if request.method == "POST":
        if request.POST.get("action") == "back":  # nothing to keep: the service saves only complete details
            if return_to == "confirm":
                return redirect("applications:draft_confirm", draft.pk)
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
            return error_page(request, exc)
        else:
            return gate or _after_step(draft, selectors.PROXY_STEP, "next", return_to)
    steps = selectors.draft_steps(draft)
    return render(
        request,
        "applications/proxy.html",
        {
            "procedure": procedure,
            "draft": draft,
            "steps": steps,
            "number": 1,
            "total": page_total(len(steps)),
            "values": values,
            "errors": errors,
            "error_list": selectors.proxy_error_links(errors),
            "relationships": ProxyRelationship.choices,
            "power_of_attorney": draft.data.get("__power_of_attorney"),
            "return_to": return_to,
        },
        status=form_status(request, errors),
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
    gate = identity_gate(request, draft.version.procedure)  # also before submitting
    if gate:
        return gate
    problems: dict[str, list[str]] | None = None
    refused = False
    if request.method == "POST":
        token = request.POST.get("submit_token", "")
        issued = request.session.get(SUBMIT_TOKENS_SESSION_KEY, {}).get(str(draft.pk), [])
        if token and token in issued:
            try:
                application = services.application_submit(
                    draft=draft, actor=request.user, idempotency_key=f"web:{draft.pk}:{token}"
                )
            except FieldErrors as exc:
                problems, refused = exc.as_dict(), True
            except DomainError as exc:
                return error_page(request, exc)
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
            "number": page_total(len(steps)),
            "total": page_total(len(steps)),
            "groups": selectors.draft_answer_groups(draft),
            "problems": selectors.problem_links(draft, problems),
            "proxy_relationship": selectors.proxy_relationship_label(draft.proxy_relationship),
            "power_of_attorney": draft.data.get("__power_of_attorney"),
            "wants_proxy": selectors.draft_wants_proxy(draft),
            "submit_token": _issue_submit_token(request, draft),
        },
        status=form_status(request, refused),
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
            return error_page(request, exc)
        messages.success(request, _("入力途中の申請を削除しました。"))
        return redirect("applications:mine")
    return render(
        request, "applications/discard.html", {"draft": draft, "procedure": draft.version.procedure}
    )
