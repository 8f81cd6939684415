"""JSON API: ``GET /api/v1/search?q=…&limit=N`` (site search over FAQ, procedures, notices)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from madoguchi.accounts.models import Organization
from madoguchi.accounts.sessions import staff_viewer
from madoguchi.core.errors import FieldErrors
from madoguchi.knowledge import selectors, services

router = Router(tags=["search"])


class SearchParams(Schema):
    q: str = ""
    limit: int = 10
    type: str | None = None
    organization: str | None = None


class SearchResultOut(Schema):
    type: str
    title: str
    url: str
    snippet: str
    score: float
    organization: str | None = None


class SearchOut(Schema):
    query: str
    total: int
    results: list[SearchResultOut]


@router.get("/search", response=SearchOut, summary="サイト内検索 / Site search")
def search(request, params: Query[SearchParams]):
    errors: dict[str, list[str]] = {}
    query = params.q.strip()
    if not query:
        errors["q"] = [_("検索する言葉を入力してください。")]
    elif len(query) > 200:
        errors["q"] = [_("検索する言葉は200文字以内にしてください。")]
    if not 1 <= params.limit <= selectors.MAX_LIMIT:
        errors["limit"] = [
            _("limit は 1 から %(max)s までの数にしてください。") % {"max": selectors.MAX_LIMIT}
        ]
    types = [t.strip() for t in (params.type or "").split(",") if t.strip()]
    known = [value for value, _label in selectors.search_types()]
    bad_types = [t for t in types if t not in known]
    if bad_types:
        errors["type"] = [_("type は次のいずれかにしてください: %(types)s") % {"types": ", ".join(known)}]
    organization = None
    if params.organization:
        organization = Organization.objects.filter(slug=params.organization).first()
        if organization is None:
            errors["organization"] = [_("指定された団体が見つかりません。")]
    if errors:
        raise FieldErrors(errors)
    page = selectors.site_search(
        query=query, user=staff_viewer(request), organization=organization, types=types, limit=params.limit
    )
    services.search_log_query(query=query, result_count=len(page.results), organization=organization)
    return {"query": page.query, "total": page.total, "results": [r.as_dict() for r in page.results]}


class ChatFaqOut(Schema):
    id: int
    question: str
    answer: str
    url: str
    source: str


class ChatProcedureOut(Schema):
    title: str
    url: str
    organization: str = ""


class ChatOut(Schema):
    kind: str
    question: str
    best: ChatFaqOut | None
    alternatives: list[ChatFaqOut]
    choices: list[ChatFaqOut]
    inquiry_url: str
    intent: str | None = None
    message: str | None = None
    handover: bool = False
    contact: str | None = None
    procedures: list[ChatProcedureOut] = []


@router.get("/chat", response=ChatOut, summary="FAQ チャットボット / FAQ chatbot")
def chat(request, message: str = ""):
    """The chatbot's reply: ``answer`` (best + alternatives), ``clarify`` (choices), ``fallback``,
    or ``smalltalk`` (a greeting, thanks…: ``intent`` and the ``message`` to show; with
    ``handover`` the inquiry form and the office ``contact`` are offered)."""
    from madoguchi.knowledge.chat import chat_reply

    message = message.strip()
    if not message:
        raise FieldErrors({"message": [_("質問を入力してください。")]})
    if len(message) > 200:
        raise FieldErrors({"message": [_("質問は200文字以内で入力してください。")]})
    reply = chat_reply(question=message, user=staff_viewer(request))
    if reply.kind == "fallback":
        services.chat_log_unanswered(query=message)
    return reply.as_dict()
