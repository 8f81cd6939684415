"""Staff pages: 自分の仕事 of the proposal box and Q&A, and the space editor."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from madoguchi.accounts.decorators import staff_required
from madoguchi.accounts.models import Department, Organization
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.core.responses import FORM_ERRORS_STATUS
from madoguchi.ideas import selectors, services, workflow
from madoguchi.ideas.forms import SpaceForm
from madoguchi.ideas.models import Proposal, Space
from madoguchi.ideas.permissions import Viewer


@staff_required
@require_http_methods(["GET", "POST"])
def work(request: HttpRequest) -> HttpResponse:
    """Staff: official answers waiting for my departments (publish one or many at once), and
    the moderation queue of the spaces I moderate."""
    viewer = Viewer.of(request)
    if request.method == "POST" and request.POST.get("action") == "publish_many":
        ids = [int(i) for i in request.POST.getlist("proposal") if i.isdigit()]
        proposals = list(Proposal.objects.filter(pk__in=ids))
        try:
            published, refused = services.proposal_answers_publish(viewer=viewer, proposals=proposals)
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("%(n)s 件の公式回答を公開しました。") % {"n": len(published)})
            if refused:
                messages.error(
                    request,
                    _("自分の提案 %(n)s 件は公開できません（ほかの職員が公開します）。")
                    % {"n": len(refused)},
                )
        return redirect("ideas:work")
    return render(
        request,
        "ideas/work.html",
        {
            "base": "ideas/base_staff.html",
            "nav": "ideas",
            "work": selectors.department_work(viewer=viewer),
            "queue": selectors.moderation_queue(viewer=viewer),
            "to_assign": selectors.proposals_to_assign(viewer=viewer),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def space_edit(request: HttpRequest, org: str, space: str = "") -> HttpResponse:
    """An organization's admins create and change spaces (proposal boxes, Q&A) without code."""
    viewer = Viewer.of(request)
    organization = Organization.objects.filter(slug=org).first()
    if organization is None or not viewer.staff_of(organization.pk):
        raise Http404
    existing = Space.objects.filter(organization=organization, slug=space).first() if space else None
    if space and existing is None:
        raise Http404
    departments = list(Department.objects.filter(organization=organization).order_by("name"))
    initial: dict[str, Any] = {
        "kind": "proposals",
        "visibility": "staff",
        "edit_minutes": 15,
        "hide_after_reports": 3,
        "answer_days": 30,
        "statuses": workflow.as_text(workflow.DEFAULT_STATUSES),
    }
    if existing is not None:
        initial = {
            "name": existing.name,
            "slug": existing.slug,
            "description": existing.description,
            "kind": existing.kind,
            "visibility": existing.visibility,
            "anonymous": existing.anonymous,
            "moderator_department": str(existing.moderator_department_id or ""),
            "categories": "\n".join(existing.categories),
            "body_template": existing.body_template,
            "edit_minutes": existing.edit_minutes,
            "hide_after_reports": existing.hide_after_reports,
            "answer_days": existing.answer_days,
            "statuses": workflow.as_text(existing.statuses),
        }
    form = SpaceForm(request.POST or None, initial=initial, departments=departments)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.space_save(
                viewer=viewer, organization_id=organization.pk, values=form.cleaned_data, space=existing
            )
        except FieldErrors as exc:
            form.add_service_errors(exc)
            status = FORM_ERRORS_STATUS
        else:
            messages.success(request, _("場所を保存しました。"))
            return redirect("ideas:space", organization.slug, saved.slug)
    elif request.method == "GET" and not (
        request.user.is_superuser or viewer.scope.has_role("admin", organization_id=organization.pk)
    ):
        raise Http404
    return render(
        request,
        "ideas/space_form.html",
        {
            "base": "ideas/base_staff.html",
            "nav": "ideas",
            "form": form,
            "organization": organization,
            "space": existing,
        },
        status=status,
    )
