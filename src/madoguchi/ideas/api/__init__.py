"""JSON door to the proposal box and Q&A — the same services as the pages:

- ``GET  /api/v1/ideas/{org}/{space}/proposals`` and ``POST`` (create; ``publish``),
- ``POST /api/v1/ideas/{org}/{space}/proposals/{id}/attachments`` (the author adds a file,
  ``multipart/form-data`` field ``file``; ``DELETE …/attachments/{attachment_id}`` takes one off —
  within the space's edit window, as on the page),
- ``POST /api/v1/ideas/{org}/{space}/proposals/{id}/like`` (``DELETE`` to unlike),
- ``POST /api/v1/ideas/{org}/{space}/proposals/{id}/answer`` (the department prepares; ``publish``),
- ``GET  /api/v1/ideas/{org}/{space}/questions`` and ``POST``,
- ``POST /api/v1/ideas/{org}/{space}/questions/{id}/answers``,
- ``GET/POST /api/v1/ideas/{org}/{space}/proposals/{id}/comments`` (``parent_id`` for a reply),
- ``PUT/DELETE /api/v1/ideas/{org}/{space}/proposals/{id}/follow``,
- ``POST /api/v1/ideas/{org}/{space}/reports`` (report a post), and for moderators
  ``POST …/moderation/hidden`` (hide or show with a reason) and ``POST …/moderation/mutes``.

A staff-only space is 404 to anyone without a staff session of its organization. Refused input
answers 422 with the message per field (``kind``, ``reason``, ``body``, ``parent_id``,
``department_id``, ``user_id`` …), a rule that refuses the action 403/409.
"""

from __future__ import annotations

from ninja import Router

from madoguchi.ideas.api import moderation, proposals, questions

router = Router(tags=["ideas"])
for _part in (proposals, questions, moderation):
    router.add_router("", _part.router)
