"""The FAQ chatbot: pick the best answer, offer alternatives, ask when unsure, or hand over.

No generative model: every answer is an FAQ entry shown with its source. Decisions use the
search engine's scores: ``coverage`` (how much of the question the best FAQ covers) and the
gap between the first and second results. Before searching, greetings and small talk
(「こんにちは」「ありがとう」「担当者と話したい」) get a short fitting answer from ``smalltalk.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from madoguchi.accounts.models import Organization
from madoguchi.knowledge import selectors, smalltalk
from madoguchi.knowledge.models import FaqEntry
from madoguchi.knowledge.selectors.access import Viewer

# Below this share of the question's own words found in the best FAQ, the bot does not answer.
MIN_COVERAGE = 0.3
# When the second result scores at least this close to the first, ask which one is meant.
CLARIFY_GAP = 0.06
ALTERNATIVES = 3
# Online procedures offered next to an answer (or instead of one).
PROCEDURES = 2


@dataclass
class ProcedureLink:
    """An online procedure the chat offers next to its answer."""

    title: str
    url: str
    organization: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"title": self.title, "url": self.url, "organization": self.organization}


@dataclass
class ChatReply:
    kind: str  # "answer" | "clarify" | "fallback" | "smalltalk"
    question: str
    best: FaqEntry | None = None
    alternatives: list[FaqEntry] = field(default_factory=list)
    choices: list[FaqEntry] = field(default_factory=list)
    intent: smalltalk.Intent | None = None
    contact: str = ""  # the office contact, shown when the person asks for a human
    procedures: list[ProcedureLink] = field(default_factory=list)  # apply online here

    def as_dict(self) -> dict[str, Any]:
        def faq(f: FaqEntry) -> dict[str, Any]:
            return {
                "id": f.pk,
                "question": f.question,
                "answer": f.answer,
                "url": f"/help/faq/{f.pk}/",
                "source": f.attribution or f.organization.name,
            }

        return {
            "kind": self.kind,
            "question": self.question,
            "best": faq(self.best) if self.best else None,
            "alternatives": [faq(f) for f in self.alternatives],
            "choices": [faq(f) for f in self.choices],
            "inquiry_url": "/help/inquiry?from=chat",
            "intent": self.intent.id if self.intent else None,
            "message": str(self.intent.answer) if self.intent else None,
            "handover": bool(self.intent and self.intent.handover),
            "contact": self.contact or None,
            "procedures": [p.as_dict() for p in self.procedures],
        }


def smalltalk_reply(
    *, question: str, intent: smalltalk.Intent, organization: Organization | None = None
) -> ChatReply:
    contact = ""
    if intent.handover:
        contact = smalltalk.office_contact(selectors.contact_organization(organization=organization))
    return ChatReply(kind="smalltalk", question=question, intent=intent, contact=contact)


def procedures_for(
    *,
    question: str,
    best: FaqEntry | None = None,
    user: Viewer = None,
    organization: Organization | None = None,
) -> list[ProcedureLink]:
    """Online procedures for this question: those linked to the answer, then the procedures
    the question itself finds with enough of its words (at most ``PROCEDURES`` in all)."""
    links: list[ProcedureLink] = []
    if best is not None:
        links = [
            ProcedureLink(title=p.title, url=url, organization=p.organization.name)
            for p, url in selectors.faq_related_procedures(faq=best)
        ]
    if len(links) < PROCEDURES:
        outcome = selectors.search_procedure_hits(
            query=question, user=user, organization=organization, limit=PROCEDURES
        )
        names = selectors.organization_names({h.doc.organization_id for h in outcome.hits})
        for hit in outcome.hits:
            if hit.coverage >= MIN_COVERAGE and all(link.url != hit.doc.url for link in links):
                links.append(
                    ProcedureLink(
                        title=hit.doc.title,
                        url=hit.doc.url,
                        organization=names.get(hit.doc.organization_id, ""),
                    )
                )
    return links[:PROCEDURES]


def chat_reply(*, question: str, user: Viewer = None, organization: Organization | None = None) -> ChatReply:
    question = (question or "").strip()[:200]
    if not question:
        return ChatReply(kind="fallback", question=question)
    intent = smalltalk.classify(question)
    if intent is not None:
        return smalltalk_reply(question=question, intent=intent, organization=organization)
    reply = _faq_reply(question=question, user=user, organization=organization)
    reply.procedures = procedures_for(
        question=question, best=reply.best, user=user, organization=organization
    )
    return reply


def _faq_reply(*, question: str, user: Viewer = None, organization: Organization | None = None) -> ChatReply:
    outcome = selectors.search_hits(
        query=question, user=user, organization=organization, limit=ALTERNATIVES + 1
    )
    hits = outcome.hits
    if not hits or hits[0].coverage < MIN_COVERAGE:
        return _semantic_clarify(question=question, user=user, organization=organization)
    faqs = {
        f.pk: f
        for f in FaqEntry.objects.select_related("organization").filter(
            pk__in=[h.doc.object_id for h in hits]
        )
    }
    ordered = [faqs[h.doc.object_id] for h in hits if h.doc.object_id in faqs]
    if not ordered:
        return ChatReply(kind="fallback", question=question)
    # one-word questions (「税金」「保育園」) match many answers equally well: ask which one
    broad = len(set(outcome.analysis.terms)) <= 1 and len(hits) >= 3 and hits[2].coverage >= hits[0].coverage
    close = len(hits) > 1 and hits[1].score >= 1.0 - CLARIFY_GAP and hits[1].coverage >= MIN_COVERAGE
    if broad or close:
        threshold = 0.0 if broad else 1.0 - 2 * CLARIFY_GAP
        choices = [f for h, f in zip(hits, ordered, strict=False) if h.score >= threshold][:ALTERNATIVES]
        return ChatReply(kind="clarify", question=question, choices=choices)
    return ChatReply(
        kind="answer", question=question, best=ordered[0], alternatives=ordered[1 : ALTERNATIVES + 1]
    )


def _semantic_clarify(
    *, question: str, user: Viewer = None, organization: Organization | None = None
) -> ChatReply:
    """The words found no good answer: offer the FAQ entries nearest by meaning, if any is near
    enough; otherwise fall back to the inquiry form."""
    from madoguchi.knowledge.semantic.rerank import NEIGHBOUR_MIN_COSINE

    near = [
        doc
        for doc, cosine in selectors.semantic_neighbours(
            query=question, user=user, organization=organization, limit=ALTERNATIVES
        )
        if cosine >= NEIGHBOUR_MIN_COSINE
    ]
    if not near:
        return ChatReply(kind="fallback", question=question)
    faqs = selectors.faqs_visible_by_id(user=user, ids=[d.object_id for d in near])
    choices = [faqs[d.object_id] for d in near if d.object_id in faqs]
    if not choices:
        return ChatReply(kind="fallback", question=question)
    return ChatReply(kind="clarify", question=question, choices=choices)


def chat_reply_for_choice(*, faq_id: int, user: Viewer = None) -> ChatReply:
    faq = selectors.access_faq(user=user, faq_id=faq_id)
    return ChatReply(
        kind="answer",
        question=faq.question,
        best=faq,
        procedures=procedures_for(question=faq.question, best=faq, user=user),
    )
