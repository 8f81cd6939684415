"""A proposal's page and its edit page: likes, comments, reports, assignment and official answers."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from madoguchi.accounts.decorators import staff_sign_in_url
from madoguchi.core.downloads import file_download
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.core.responses import FORM_ERRORS_STATUS
from madoguchi.ideas import selectors, services, workflow
from madoguchi.ideas.constants import TargetKind
from madoguchi.ideas.forms import (
    AssignForm,
    CommentForm,
    HideForm,
    PrepareForm,
    ProposalForm,
    ReportForm,
    StatusForm,
)
from madoguchi.ideas.models import Comment, Proposal, Space
from madoguchi.ideas.permissions import Viewer
from madoguchi.ideas.views._common import base_template, department_of, signin_redirect, viewer_and_space


@signin_redirect
@require_http_methods(["GET", "POST"])
def proposal_edit(request: HttpRequest, org: str, space: str, pk: int) -> HttpResponse:
    viewer, the_space = viewer_and_space(request, org, space)
    proposal = selectors.access_proposal(viewer=viewer, space=the_space, proposal_id=pk)
    if not viewer.authenticated or proposal.author_id != viewer.user.pk:
        raise Http404
    form = ProposalForm(
        request.POST or None,
        request.FILES or None,
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
                files=request.FILES.getlist("attachment"),
                remove_attachments=request.POST.getlist("remove_attachment"),
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
        {
            "base": base_template(viewer),
            "nav": "ideas",
            "space": the_space,
            "form": form,
            "proposal": proposal,
            "attachments": list(proposal.attachments.order_by("created_at")),
        },
        status=status,
    )


def _forms_for_proposal(space: Space, proposal: Proposal, data=None, *, which: str = "") -> dict[str, Any]:
    departments = selectors.departments_of(space=space)
    answer_choices = [(s.key, s.display) for s in workflow.answer_choices(space, proposal.status)]
    forms: dict[str, Any] = {
        "comment_form": CommentForm(data if which == "comment" else None),
        "report_form": ReportForm(data if which == "report" else None, prefix="report"),
        "assign_form": AssignForm(data if which == "assign" else None, prefix="assign"),
        "prepare_form": PrepareForm(
            data if which == "prepare" else None,
            prefix="prepare",
            choices=answer_choices,
            initial={"answer_status": proposal.answer_status, "answer_body": proposal.answer_body},
        ),
        "status_form": StatusForm(data if which == "status" else None, prefix="status"),
        "hide_form": HideForm(data if which == "hide" else None, prefix="hide"),
    }
    forms["assign_form"].fields["department"].choices = [("", _("（選んでください）"))] + [
        (str(d.pk), d.name) for d in departments
    ]
    forms["status_form"].fields["status"].choices = [
        (s.key, s.display) for s in workflow.moves(space, proposal.status)
    ]
    return forms


@signin_redirect
@require_http_methods(["GET", "POST"])
def proposal(request: HttpRequest, org: str, space: str, pk: int) -> HttpResponse:
    viewer, the_space = viewer_and_space(request, org, space)
    item = selectors.access_proposal(viewer=viewer, space=the_space, proposal_id=pk)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    forms = _forms_for_proposal(
        the_space, item, request.POST if request.method == "POST" else None, which=action.split(":")[0]
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
            "base": base_template(viewer),
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
            "attachments": list(item.attachments.order_by("created_at")),
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
            _("フォローしました。コメントや公式回答をお知らせします。")
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
        department = department_of(item.space, request.POST.get("assign-department", ""))
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
        services.proposal_status_set(
            viewer=viewer, proposal=item, status=request.POST.get("status-status", "")
        )
        return _("状態を変えました。")
    raise Http404


def _report_target(item: Proposal, ref: str):
    if ref.startswith("c") and ref[1:].isdigit():
        comment = Comment.objects.filter(proposal=item, pk=int(ref[1:])).first()
        if comment is None:
            raise Http404
        return TargetKind.COMMENT, comment
    return TargetKind.PROPOSAL, item


@signin_redirect
def proposal_attachment(request: HttpRequest, org: str, space: str, pk: int, file_id: str) -> HttpResponse:
    """A proposal's attached file, for whoever may read the proposal (404 for everyone else:
    a staff-only space to the public, a draft to all but its author, a hidden one to all but its
    author and the moderators)."""
    viewer, the_space = viewer_and_space(request, org, space)
    item = selectors.access_proposal(viewer=viewer, space=the_space, proposal_id=pk)
    attachment = item.attachments.filter(pk=file_id).first()
    if attachment is None:
        raise Http404
    return file_download(
        attachment.file.open("rb"),
        original_name=attachment.original_name,
        content_type=attachment.content_type,
    )
