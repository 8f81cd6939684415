"""The list of spaces, one space with its posts, realized proposals, and a new post."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from madoguchi.accounts.decorators import staff_sign_in_url
from madoguchi.accounts.models import Organization
from madoguchi.core.errors import FieldErrors
from madoguchi.core.responses import FORM_ERRORS_STATUS
from madoguchi.ideas import selectors, services, workflow
from madoguchi.ideas.constants import SpaceKind, TargetKind
from madoguchi.ideas.forms import ProposalForm, QuestionForm
from madoguchi.ideas.permissions import Viewer
from madoguchi.ideas.views._common import base_template, department_of, signin_redirect, viewer_and_space


def index(request: HttpRequest) -> HttpResponse:
    viewer = Viewer.of(request)
    query = request.GET.get("q", "").strip()[:100]
    admin_of = (
        [
            o
            for o in Organization.objects.filter(
                pk__in=viewer.scope.organization_ids(roles=["admin"])
            ).order_by("name")
        ]
        if viewer.staff_session
        else []
    )
    return render(
        request,
        "ideas/index.html",
        {
            "base": base_template(viewer),
            "nav": "ideas",
            "admin_of": admin_of,
            "spaces": selectors.spaces_for(viewer=viewer),
            "query": query,
            "results": selectors.search(viewer=viewer, query=query) if query else None,
        },
    )


@signin_redirect
def space(request: HttpRequest, org: str, space: str) -> HttpResponse:
    viewer, the_space = viewer_and_space(request, org, space)
    query = request.GET.get("q", "").strip()[:100]
    context: dict[str, Any] = {
        "base": base_template(viewer),
        "nav": "ideas",
        "space": the_space,
        "query": query,
        "can_post": viewer.can_post(the_space),
        "is_moderator": viewer.is_moderator(the_space),
        "can_manage": viewer.staff_of(the_space.organization_id)
        and (
            request.user.is_superuser
            or viewer.scope.has_role("admin", organization_id=the_space.organization_id)
        ),
    }
    if the_space.kind == SpaceKind.PROPOSALS:
        status = request.GET.get("status", "")
        sort = "likes" if request.GET.get("sort") == "likes" else "new"
        proposals = list(
            selectors.proposals_list(viewer=viewer, space=the_space, status=status, query=query, sort=sort)[
                :100
            ]
        )
        context |= {
            "proposals": proposals,
            "drafts": selectors.my_drafts(viewer=viewer, space=the_space),
            "status": status,
            "sort": sort,
            "statuses": [(s.key, s.display) for s in workflow.statuses(the_space)],
            "liked": selectors.liked(viewer=viewer, kind=TargetKind.PROPOSAL, ids=[p.pk for p in proposals]),
            "authors": {
                p.pk: selectors.author_label(viewer=viewer, space=the_space, author=p.author)
                for p in proposals
            },
        }
        return render(request, "ideas/proposals.html", context)
    department_id = request.GET.get("department", "")
    context |= {
        "questions": list(
            selectors.questions_list(
                viewer=viewer,
                space=the_space,
                query=query,
                tag=request.GET.get("tag", "").strip()[:20],
                unanswered=request.GET.get("unanswered") == "1",
                department_id=int(department_id) if department_id.isdigit() else None,
            )[:100]
        ),
        "unanswered": request.GET.get("unanswered") == "1",
        "department": department_id,
        "departments": selectors.departments_of(space=the_space),
    }
    return render(request, "ideas/questions.html", context)


@signin_redirect
def realized(request: HttpRequest, org: str, space: str) -> HttpResponse:
    viewer, the_space = viewer_and_space(request, org, space)
    return render(
        request,
        "ideas/realized.html",
        {
            "base": base_template(viewer),
            "nav": "ideas",
            "space": the_space,
            "proposals": selectors.realized(viewer=viewer, space=the_space),
        },
    )


@signin_redirect
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest, org: str, space: str) -> HttpResponse:
    viewer, the_space = viewer_and_space(request, org, space)
    if not viewer.authenticated:
        return redirect(staff_sign_in_url(request.get_full_path()))
    if not viewer.can_post(the_space):
        raise Http404
    context: dict[str, Any] = {"base": base_template(viewer), "nav": "ideas", "space": the_space}
    status = 200
    if the_space.kind == SpaceKind.PROPOSALS:
        form = ProposalForm(
            request.POST or None,
            request.FILES or None,
            categories=the_space.categories,
            initial={"body": the_space.body_template},
        )
        if request.method == "POST" and form.is_valid():
            try:
                proposal = services.proposal_save(
                    viewer=viewer,
                    space=the_space,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    category=form.cleaned_data.get("category") or "",
                    publish=request.POST.get("action") == "publish",
                    files=request.FILES.getlist("attachment"),
                )
            except FieldErrors as exc:
                form.add_service_errors(exc)
                status = FORM_ERRORS_STATUS
            else:
                messages.success(
                    request,
                    _("提案を投稿しました。") if proposal.published_at else _("下書きを保存しました。"),
                )
                return redirect("ideas:proposal", org, space, proposal.pk)
        context["form"] = form
        return render(request, "ideas/proposal_form.html", context, status=status)
    form = QuestionForm(request.POST or None)
    form.fields["department"].choices = [("", _("（わからない）"))] + [
        (str(d.pk), d.name) for d in selectors.departments_of(space=the_space)
    ]
    similar = []
    if request.method == "POST" and form.is_valid():
        if request.POST.get("action") == "similar":
            similar = selectors.similar_questions(
                viewer=viewer, space=the_space, title=form.cleaned_data["title"]
            )
            context["looked_up"] = True
        else:
            try:
                question = services.question_create(
                    viewer=viewer,
                    space=the_space,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    tags=form.cleaned_data["tags"],
                    department=department_of(the_space, form.cleaned_data.get("department") or ""),
                )
            except FieldErrors as exc:
                form.add_service_errors(exc)
                status = FORM_ERRORS_STATUS
            else:
                messages.success(request, _("質問を投稿しました。"))
                return redirect("ideas:question", org, space, question.pk)
    context |= {"form": form, "similar": similar}
    return render(request, "ideas/question_form.html", context, status=status)
