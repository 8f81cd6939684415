"""A question's page: answers, the accepted answer, reports and assignment."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from madoguchi.accounts.decorators import staff_sign_in_url
from madoguchi.core.errors import DomainError, FieldErrors
from madoguchi.core.responses import FORM_ERRORS_STATUS
from madoguchi.ideas import selectors, services
from madoguchi.ideas.constants import TargetKind
from madoguchi.ideas.forms import AnswerForm, AssignForm, HideForm, ReportForm
from madoguchi.ideas.models import Answer
from madoguchi.ideas.views._common import base_template, department_of, signin_redirect, viewer_and_space


@signin_redirect
@require_http_methods(["GET", "POST"])
def question(request: HttpRequest, org: str, space: str, pk: int) -> HttpResponse:
    viewer, the_space = viewer_and_space(request, org, space)
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
                department = department_of(the_space, request.POST.get("assign-department", ""))
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
            "base": base_template(viewer),
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
