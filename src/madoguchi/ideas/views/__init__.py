"""Pages of デジタル提案箱+ and SHIN-QA. Each POST carries an ``action`` and calls one service;
a refused input re-renders the page with 422 and the message next to the field.

One module per kind of page: spaces (the list, a space, realized proposals, a new post),
proposals, questions, staff (自分の仕事 and the space editor); _common holds the helpers they share.
``urls.py`` keeps using ``views.<name>``: the views are re-exported here."""

from __future__ import annotations

from madoguchi.ideas.views.mute import mute
from madoguchi.ideas.views.proposals import proposal, proposal_attachment, proposal_edit
from madoguchi.ideas.views.questions import question
from madoguchi.ideas.views.spaces import index, new, realized, space
from madoguchi.ideas.views.staff import space_edit, work

__all__ = [
    "index",
    "mute",
    "new",
    "proposal",
    "proposal_attachment",
    "proposal_edit",
    "question",
    "realized",
    "space",
    "space_edit",
    "work",
]
