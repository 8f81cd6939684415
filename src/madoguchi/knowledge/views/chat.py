"""The FAQ chatbot (a plain POST form, PRG to ``#latest``) and the inquiry form it hands over to.

The conversation is kept in the session (at most ``CHAT_MAX_TURNS`` turns, emptied when an
inquiry is sent), as FAQ ids: what is shown is re-read with the viewer's rights each time.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from madoguchi.accounts.sessions import staff_viewer
from madoguchi.core.errors import FieldErrors
from madoguchi.core.responses import form_status
from madoguchi.knowledge import chat as chatbot
from madoguchi.knowledge import selectors, services, smalltalk
from madoguchi.knowledge.forms import InquiryForm
from madoguchi.knowledge.views.public import organization_param

CHAT_SESSION_KEY = "knowledge_chat"
CHAT_MAX_TURNS = 12


def _conversation(request: HttpRequest) -> list[dict[str, Any]]:
    return list(request.session.get(CHAT_SESSION_KEY, []))


def _save_conversation(request: HttpRequest, turns: list[dict[str, Any]]) -> None:
    request.session[CHAT_SESSION_KEY] = turns[-CHAT_MAX_TURNS:]


def _turn(reply: chatbot.ChatReply) -> dict[str, Any]:
    return {
        "question": reply.question,
        "kind": reply.kind,
        "best": reply.best.pk if reply.best else None,
        "alternatives": [f.pk for f in reply.alternatives],
        "choices": [f.pk for f in reply.choices],
        "intent": reply.intent.id if reply.intent else None,
        "procedures": [p.as_dict() for p in reply.procedures],
    }


@require_http_methods(["GET", "POST"])
def chat(request: HttpRequest) -> HttpResponse:
    error = ""
    question = ""
    if request.method == "POST":
        if "reset" in request.POST:
            _save_conversation(request, [])
            return redirect("knowledge:chat")
        choice = request.POST.get("choice")
        if choice:
            try:
                reply = chatbot.chat_reply_for_choice(faq_id=int(choice), user=staff_viewer(request))
            except (ValueError, Http404):
                reply = None
            if reply:
                _save_conversation(request, [*_conversation(request), _turn(reply)])
            return redirect(reverse("knowledge:chat") + "#latest")
        question = (request.POST.get("q") or "").strip()
        if not question:
            error = _("質問を入力してください。")
        elif len(question) > 200:
            error = _("質問は200文字以内で入力してください。")
        else:
            reply = chatbot.chat_reply(question=question, user=staff_viewer(request))
            if reply.kind == "fallback":
                services.chat_log_unanswered(query=question)
            _save_conversation(request, [*_conversation(request), _turn(reply)])
            return redirect(reverse("knowledge:chat") + "#latest")
    turns = _conversation(request)
    visible = selectors.faqs_visible_by_id(
        user=staff_viewer(request),
        ids={pk for t in turns for pk in [t["best"], *t["alternatives"], *t["choices"]]},
    )
    rendered = [
        {
            "question": t["question"],
            "kind": t["kind"],
            "best": visible.get(t["best"]),
            "alternatives": [visible[pk] for pk in t["alternatives"] if pk in visible],
            "choices": [visible[pk] for pk in t["choices"] if pk in visible],
            "intent": smalltalk.intent_by_id(t.get("intent")),
            "procedures": t.get("procedures", []),
        }
        for t in turns
    ]
    handover = any(t["intent"] and t["intent"].handover for t in rendered)
    return render(
        request,
        "knowledge/chat.html",
        {
            "turns": rendered,
            "error": error,
            "question": question,
            "contact": smalltalk.office_contact(selectors.contact_organization()) if handover else "",
        },
        status=form_status(request, error),
    )


def chat_widget(request: HttpRequest) -> HttpResponse:
    """A page that explains how to embed the chat widget, and shows it."""
    return render(request, "knowledge/chat_widget.html")


def _conversation_text(request: HttpRequest) -> str:
    turns = _conversation(request)
    visible = selectors.faqs_visible_by_id(user=staff_viewer(request), ids={t.get("best") for t in turns})
    lines = []
    for turn in turns:
        if turn["kind"] == "smalltalk":  # greetings and thanks say nothing to the person answering
            continue
        lines.append(_("質問: %(q)s") % {"q": turn["question"]})
        best = visible.get(turn.get("best"))
        if best:
            lines.append(_("チャットの回答: %(q)s") % {"q": best.question})
        elif turn["kind"] == "fallback":
            lines.append(_("チャットの回答: 見つかりませんでした"))
    return "\n".join(lines)


@require_http_methods(["GET", "POST"])
def inquiry(request: HttpRequest) -> HttpResponse:
    organization = organization_param(request) or services.organization_get_default()
    from_chat = request.GET.get("from") == "chat" or request.POST.get("from") == "chat"
    conversation = _conversation_text(request) if from_chat else ""
    if request.method == "POST":
        form = InquiryForm(request.POST)
        if form.is_valid():
            try:
                services.inquiry_create(
                    organization=organization,
                    conversation=conversation,
                    user=request.user,
                    **form.service_data(),
                )
            except FieldErrors as exc:
                form.add_service_errors(exc)
            else:
                _save_conversation(request, [])
                return redirect("knowledge:inquiry_thanks")
    else:
        initial = (
            {"body": _("チャットで解決しなかったため問い合わせます。\n\n") + conversation}
            if conversation
            else {}
        )
        if request.user.is_authenticated:  # prefilled from the account; still editable
            initial |= {"name": getattr(request.user, "display_name", ""), "email": request.user.email}
        form = InquiryForm(initial=initial)
    return render(
        request,
        "knowledge/inquiry.html",
        {"form": form, "organization": organization, "from_chat": bool(conversation)},
        status=form_status(request, form.errors),
    )


def inquiry_thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "knowledge/inquiry_thanks.html")
