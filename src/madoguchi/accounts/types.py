"""Who a service or selector is working for, as types (checked by mypy, pyproject [tool.mypy]).

- ``Viewer``: whoever makes a request — ``request.user``, signed in or not.
- ``Actor``: who did a change, as ``audit_record`` takes it — a user, an anonymous visitor, a
  name for work nobody signed in for (``"system"``, ``"cli"``, ``"demo"``), or nobody.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from madoguchi.accounts.models import User

Viewer = User | AnonymousUser
Actor = User | AnonymousUser | str | None

__all__ = ["Actor", "User", "Viewer", "user_or_none"]


def user_or_none(actor: Actor) -> User | None:
    """The signed-in user behind an actor, for a ``created_by``-style foreign key; else None."""
    return actor if isinstance(actor, User) and actor.is_authenticated else None
