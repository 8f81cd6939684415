"""Pages of デジタル提案箱+ and SHIN-QA. Each POST carries an ``action`` and calls one service;
a refused input re-renders the page with 422 and the message next to the field."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from madoguchi.accounts.decorators import staff_required, staff_sign_in_url
from madoguchi.accounts.models import Department, Organization
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.core.responses import FORM_ERRORS_STATUS
from madoguchi.ideas import selectors, services
from madoguchi.ideas.constants import ProposalStatus, SpaceKind, TargetKind
from madoguchi.ideas.forms import (
    AnswerForm,
    AssignForm,
    CommentForm,
    HideForm,
    PrepareForm,
    ProposalForm,
    QuestionForm,
    ReportForm,
    SpaceForm,
)
from madoguchi.ideas.models import Answer, Comment, Proposal, Space
from madoguchi.ideas.permissions import Viewer


def _base(viewer: Viewer) -> str:
    return "ideas/base_staff.html" if viewer.staff_session else "ideas/base_public.html"


def _space(request: HttpRequest, org: str, slug: str) -> tuple[Viewer, Space]:
    viewer = Viewer.of(request)
    try:
        return viewer, selectors.access_space(viewer=viewer, org_slug=org, slug=slug)
    except Http404:
        if not viewer.authenticated:  # perhaps a staff-only space: the staff sign-in (no hint either way)
            raise _SignIn(request.get_full_path()) from None
        raise


class _SignIn(Exception):
    def __init__(self, next_url: str):
        self.next_url = next_url


def _signin_redirect(view):
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except _SignIn as exc:
            return redirect(staff_sign_in_url(exc.next_url))

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _department(space: Space, value: str) -> Department | None:
    if not value or not str(value).isdigit():
        return None
    return Department.objects.filter(organization_id=space.organization_id, pk=int(value)).first()


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
            "base": _base(viewer),
            "nav": "ideas",
            "admin_of": admin_of,
            "spaces": selectors.spaces_for(viewer=viewer),
            "query": query,
            "results": selectors.search(viewer=viewer, query=query) if query else None,
        },
    )


@_signin_redirect
def space(request: HttpRequest, org: str, space: str) -> HttpResponse:
    viewer, the_space = _space(request, org, space)
    query = request.GET.get("q", "").strip()[:100]
    context: dict[str, Any] = {
        "base": _base(viewer),
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
            "statuses": [(s, label) for s, label in ProposalStatus.choices if s != ProposalStatus.DRAFT],
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


@_signin_redirect
def realized(request: HttpRequest, org: str, space: str) -> HttpResponse:
    viewer, the_space = _space(request, org, space)
    return render(
        request,
        "ideas/realized.html",
        {
            "base": _base(viewer),
            "nav": "ideas",
            "space": the_space,
            "proposals": selectors.realized(viewer=viewer, space=the_space),
        },
    )


@_signin_redirect
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest, org: str, space: str) -> HttpResponse:
    viewer, the_space = _space(request, org, space)
    if not viewer.authenticated:
        return redirect(staff_sign_in_url(request.get_full_path()))
    if not viewer.can_post(the_space):
        raise Http404
    context: dict[str, Any] = {"base": _base(viewer), "nav": "ideas", "space": the_space}
    status = 200
    if the_space.kind == SpaceKind.PROPOSALS:
        form = ProposalForm(
            request.POST or None,
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
                    department=_department(the_space, form.cleaned_data.get("department") or ""),
                )
            except FieldErrors as exc:
                form.add_service_errors(exc)
                status = FORM_ERRORS_STATUS
            else:
                messages.success(request, _("質問を投稿しました。"))
                return redirect("ideas:question", org, space, question.pk)
    context |= {"form": form, "similar": similar}
    return render(request, "ideas/question_form.html", context, status=status)


@_signin_redirect
@require_http_methods(["GET", "POST"])
def proposal_edit(request: HttpRequest, org: str, space: str, pk: int) -> HttpResponse:
    viewer, the_space = _space(request, org, space)
    proposal = selectors.access_proposal(viewer=viewer, space=the_space, proposal_id=pk)
    if not viewer.authenticated or proposal.author_id != viewer.user.pk:
        raise Http404
    form = ProposalForm(
        request.POST or None,
        categories=the_space.categories,
        initial={"title": proposal.title, "body": proposal.body, "category": proposal.category},
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.proposal_save(
                viewer=viewer,
                space=the_space,
                proposal=proposal,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                category=form.cleaned_data.get("category") or "",
                publish=request.POST.get("action") == "publish",
            )
        except FieldErrors as exc:
            form.add_service_errors(exc)
            status = FORM_ERRORS_STATUS
        except DomainError as exc:
            messages.error(request, str(exc.message))
            return redirect("ideas:proposal", org, space, pk)
        else:
            messages.success(request, _("提案を保存しました。"))
            return redirect("ideas:proposal", org, space, pk)
    return render(
        request,
        "ideas/proposal_form.html",
        {"base": _base(viewer), "nav": "ideas", "space": the_space, "form": form, "proposal": proposal},
        status=status,
    )


def _forms_for_proposal(space: Space, data=None, *, which: str = "") -> dict[str, Any]:
    departments = selectors.departments_of(space=space)
    forms: dict[str, Any] = {
        "comment_form": CommentForm(data if which == "comment" else None),
        "report_form": ReportForm(data if which == "report" else None, prefix="report"),
        "assign_form": AssignForm(data if which == "assign" else None, prefix="assign"),
        "prepare_form": PrepareForm(data if which == "prepare" else None, prefix="prepare"),
        "hide_form": HideForm(data if which == "hide" else None, prefix="hide"),
    }
    forms["assign_form"].fields["department"].choices = [("", _("（選んでください）"))] + [
        (str(d.pk), d.name) for d in departments
    ]
    return forms


@_signin_redirect
@require_http_methods(["GET", "POST"])
def proposal(request: HttpRequest, org: str, space: str, pk: int) -> HttpResponse:
    viewer, the_space = _space(request, org, space)
    item = selectors.access_proposal(viewer=viewer, space=the_space, proposal_id=pk)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    forms = _forms_for_proposal(
        the_space, request.POST if request.method == "POST" else None, which=action.split(":")[0]
    )
    status = 200
    if action:
        if not viewer.authenticated:
            return redirect(staff_sign_in_url(request.get_full_path()))
        try:
            done = _proposal_action(request, viewer, item, action, forms)
        except FieldErrors as exc:
            form = forms.get(f"{action.split(':')[0]}_form")
            if form is not None:
                form.add_service_errors(exc)
            else:
                messages.error(request, "; ".join(m for ms in exc.as_dict().values() for m in ms))
            status = FORM_ERRORS_STATUS
        except DomainError as exc:
            messages.error(request, str(exc.message))
            return redirect(request.path)
        else:
            if done:
                messages.success(request, done)
            return redirect(request.path + ("#comments" if action.startswith("comment") else ""))
        item = selectors.access_proposal(viewer=viewer, space=the_space, proposal_id=pk)
    is_moderator = viewer.is_moderator(the_space)
    may_answer = is_moderator or viewer.covers(the_space.organization_id, item.department_id)
    comments = selectors.comments_of(viewer=viewer, proposal=item)
    following = viewer.authenticated and item.follows.filter(user=viewer.user).exists()
    return render(
        request,
        "ideas/proposal.html",
        {
            "base": _base(viewer),
            "nav": "ideas",
            "space": the_space,
            "proposal": item,
            "author": selectors.author_label(viewer=viewer, space=the_space, author=item.author),
            "comments": [
                (
                    c,
                    selectors.author_label(viewer=viewer, space=the_space, author=c.author),
                    [
                        (r, selectors.author_label(viewer=viewer, space=the_space, author=r.author))
                        for r in replies
                    ],
                )
                for c, replies in comments
            ],
            "liked": item.pk in selectors.liked(viewer=viewer, kind=TargetKind.PROPOSAL, ids=[item.pk]),
            "following": following,
            "can_post": viewer.can_post(the_space),
            "is_moderator": is_moderator,
            "may_answer": may_answer and item.answer_published_at is None,
            "is_author": viewer.authenticated and item.author_id == viewer.user.pk,
            "can_edit": viewer.authenticated and item.author_id == viewer.user.pk,
            **forms,
        },
        status=status,
    )


def _proposal_action(
    request: HttpRequest, viewer: Viewer, item: Proposal, action: str, forms: dict[str, Any]
) -> str:
    kind, _sep, ref = action.partition(":")
    if kind in ("like", "unlike"):
        services.like_set(viewer=viewer, kind=TargetKind.PROPOSAL, target=item, on=kind == "like")
        return ""
    if kind in ("follow", "unfollow"):
        services.follow_set(viewer=viewer, proposal=item, on=kind == "follow")
        return (
            _("フォローしました。公式回答が出たらお知らせします。")
            if kind == "follow"
            else _("フォローをやめました。")
        )
    if kind == "publish_draft":
        services.proposal_save(
            viewer=viewer,
            space=item.space,
            proposal=item,
            title=item.title,
            body=item.body,
            category=item.category,
            publish=True,
        )
        return _("提案を投稿しました。")
    if kind == "comment":
        form = forms["comment_form"]
        form.is_valid()
        parent = Comment.objects.filter(proposal=item, pk=int(ref)).first() if ref.isdigit() else None
        services.comment_add(viewer=viewer, proposal=item, body=request.POST.get("body", ""), parent=parent)
        return _("コメントしました。")
    if kind == "report":
        target_kind, target = _report_target(item, ref)
        hid = services.report_add(
            viewer=viewer,
            kind=target_kind,
            target=target,
            reason=request.POST.get("report-reason", ""),
            note=request.POST.get("report-note", ""),
        )
        return _("通報を受け付けました。モデレーターが確認します。") + (
            _("（非表示にしました）") if hid else ""
        )
    if kind == "assign":
        form = forms["assign_form"]
        form.is_valid()
        department = _department(item.space, request.POST.get("assign-department", ""))
        if department is None:
            raise FieldErrors({"department": [_("担当部署を選んでください。")]})
        services.proposal_assign(
            viewer=viewer, proposal=item, department=department, due=form.cleaned_data.get("due")
        )
        return _("担当部署に公式回答を依頼しました。部署の職員に通知しました。")
    if kind == "prepare":
        services.proposal_answer_prepare(
            viewer=viewer,
            proposal=item,
            body=request.POST.get("prepare-answer_body", ""),
            status=request.POST.get("prepare-answer_status", ""),
        )
        return _("公式回答を保存しました（まだ公開していません）。")
    if kind == "publish_answer":
        published, _refused = services.proposal_answers_publish(viewer=viewer, proposals=[item])
        return _("公式回答を公開しました。投稿者とフォロワーに通知しました。") if published else ""
    if kind in ("hide", "unhide"):
        target_kind, target = _report_target(item, ref)
        services.moderation_set_hidden(
            viewer=viewer,
            kind=target_kind,
            target=target,
            hidden=kind == "hide",
            reason=request.POST.get("hide-reason", ""),
        )
        return _("非表示にしました。") if kind == "hide" else _("表示に戻しました。")
    if kind == "status":
        services.proposal_status_set(viewer=viewer, proposal=item, status=request.POST.get("status", ""))
        return _("状態を変えました。")
    raise Http404


def _report_target(item: Proposal, ref: str):
    if ref.startswith("c") and ref[1:].isdigit():
        comment = Comment.objects.filter(proposal=item, pk=int(ref[1:])).first()
        if comment is None:
            raise Http404
        return TargetKind.COMMENT, comment
    return TargetKind.PROPOSAL, item


@_signin_redirect
@require_http_methods(["GET", "POST"])
def question(request: HttpRequest, org: str, space: str, pk: int) -> HttpResponse:
    viewer, the_space = _space(request, org, space)
    item = selectors.access_question(viewer=viewer, space=the_space, question_id=pk)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    answer_form = AnswerForm(request.POST if action == "answer" else None)
    report_form = ReportForm(request.POST if action.startswith("report") else None, prefix="report")
    hide_form = HideForm(request.POST if action.startswith("hide") else None, prefix="hide")
    assign_form = AssignForm(request.POST if action == "assign" else None, prefix="assign")
    assign_form.fields["department"].choices = [("", _("（選んでください）"))] + [
        (str(d.pk), d.name) for d in selectors.departments_of(space=the_space)
    ]
    status = 200
    if action:
        if not viewer.authenticated:
            return redirect(staff_sign_in_url(request.get_full_path()))
        kind, _sep, ref = action.partition(":")
        answer = (
            Answer.objects.filter(question=item, pk=int(ref[1:]) if ref[1:].isdigit() else 0).first()
            if ref.startswith("a")
            else None
        )
        try:
            done = ""
            if kind == "answer":
                services.answer_add(viewer=viewer, question=item, body=request.POST.get("body", ""))
                done = _("回答しました。")
            elif kind in ("like", "unlike"):
                target_kind, target = (TargetKind.ANSWER, answer) if answer else (TargetKind.QUESTION, item)
                services.like_set(viewer=viewer, kind=target_kind, target=target, on=kind == "like")
            elif kind == "accept" and answer:
                services.answer_accept(viewer=viewer, answer=answer)
                done = _("この回答を解決済みにしました。")
            elif kind == "report":
                target_kind, target = (TargetKind.ANSWER, answer) if answer else (TargetKind.QUESTION, item)
                services.report_add(
                    viewer=viewer,
                    kind=target_kind,
                    target=target,
                    reason=request.POST.get("report-reason", ""),
                    note=request.POST.get("report-note", ""),
                )
                done = _("通報を受け付けました。モデレーターが確認します。")
            elif kind in ("hide", "unhide"):
                target_kind, target = (TargetKind.ANSWER, answer) if answer else (TargetKind.QUESTION, item)
                services.moderation_set_hidden(
                    viewer=viewer,
                    kind=target_kind,
                    target=target,
                    hidden=kind == "hide",
                    reason=request.POST.get("hide-reason", ""),
                )
                done = _("非表示にしました。") if kind == "hide" else _("表示に戻しました。")
            elif kind == "assign":
                department = _department(the_space, request.POST.get("assign-department", ""))
                if department is None:
                    raise FieldErrors({"department": [_("担当部署を選んでください。")]})
                services.question_assign(viewer=viewer, question=item, department=department)
                done = _("担当部署に回答を依頼しました。部署の職員に通知しました。")
            else:
                raise Http404
        except FieldErrors as exc:
            form = {
                "answer": answer_form,
                "report": report_form,
                "hide": hide_form,
                "assign": assign_form,
            }.get(kind)
            if form is not None:
                form.is_valid()
                form.add_service_errors(exc)
            status = FORM_ERRORS_STATUS
        except DomainError as exc:
            messages.error(request, str(exc.message))
            return redirect(request.path)
        else:
            if done:
                messages.success(request, done)
            return redirect(request.path)
        item = selectors.access_question(viewer=viewer, space=the_space, question_id=pk)
    answers = selectors.answers_of(viewer=viewer, question=item)
    liked_answers = selectors.liked(viewer=viewer, kind=TargetKind.ANSWER, ids=[a.pk for a in answers])
    return render(
        request,
        "ideas/question.html",
        {
            "base": _base(viewer),
            "nav": "ideas",
            "space": the_space,
            "question": item,
            "author": selectors.author_label(viewer=viewer, space=the_space, author=item.author),
            "answers": [
                (
                    a,
                    selectors.author_label(viewer=viewer, space=the_space, author=a.author),
                    a.pk in liked_answers,
                )
                for a in answers
            ],
            "liked": item.pk in selectors.liked(viewer=viewer, kind=TargetKind.QUESTION, ids=[item.pk]),
            "can_post": viewer.can_post(the_space),
            "is_moderator": viewer.is_moderator(the_space),
            "is_author": viewer.authenticated and item.author_id == viewer.user.pk,
            "official_answerer": viewer.covers(the_space.organization_id, item.department_id),
            "answer_form": answer_form,
            "report_form": report_form,
            "hide_form": hide_form,
            "assign_form": assign_form,
        },
        status=status,
    )


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
