"""Writes of the proposal box and the Q&A (docs/ideas.md). Every function checks the viewer's
permission, changes state in one transaction, writes the audit entry and the notification rows
(sent after commit by the outbox).

One module per concern: proposals (posts, likes, follows, comments, assignment and official
answers), questions (Q&A), moderation (reports, hiding, mutes), spaces, reminders; _common holds
the permission checks and text cleaning they share."""

from __future__ import annotations

from madoguchi.ideas.services._common import MODELS, space_of
from madoguchi.ideas.services.moderation import moderation_set_hidden, mute_set, report_add
from madoguchi.ideas.services.proposals import (
    comment_add,
    follow_set,
    like_set,
    notifications_set,
    proposal_answer_prepare,
    proposal_answers_publish,
    proposal_assign,
    proposal_save,
    proposal_status_set,
)
from madoguchi.ideas.services.questions import answer_accept, answer_add, question_assign, question_create
from madoguchi.ideas.services.reminders import ideas_remind_due
from madoguchi.ideas.services.spaces import space_save

__all__ = [
    "MODELS",
    "answer_accept",
    "answer_add",
    "comment_add",
    "follow_set",
    "ideas_remind_due",
    "like_set",
    "notifications_set",
    "moderation_set_hidden",
    "mute_set",
    "proposal_answer_prepare",
    "proposal_answers_publish",
    "proposal_assign",
    "proposal_save",
    "proposal_status_set",
    "question_assign",
    "question_create",
    "report_add",
    "space_of",
    "space_save",
]
