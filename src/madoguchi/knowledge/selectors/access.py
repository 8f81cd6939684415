"""Who may see what in the knowledge app: the viewer's organizations (staff-only content,
notices they write) and the organizations the pages name."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from madoguchi.accounts.models import Organization, User
from madoguchi.knowledge.constants import NOTICE_ROLES

# Whoever looks: a signed-in user, an anonymous visitor, or nobody (scripts, the demo loader).
Viewer = User | AnonymousUser | None
# Whoever acts: a viewer, or a name for work nobody signed in for ("cli", "demo", "system").
Actor = Viewer | str


def signed_in_user(user: Actor) -> User | None:
    """The user when signed in, else None (anonymous visitors, scripts named by a string)."""
    return user if isinstance(user, User) and user.is_authenticated else None


def staff_organization_ids(user: Actor) -> frozenset[int]:
    """Organizations whose staff-only content this user may see."""
    member = signed_in_user(user)
    if member is None:
        return frozenset()
    if member.is_superuser:
        return frozenset(Organization.objects.values_list("id", flat=True))
    return frozenset(member.memberships.values_list("organization_id", flat=True))


def staff_organizations(user: Viewer) -> QuerySet[Organization]:
    return Organization.objects.filter(id__in=staff_organization_ids(user)).order_by("name")


def is_member(user: Actor, organization: Organization) -> bool:
    """Staff of the organization (any role), or a superuser."""
    return organization.pk in staff_organization_ids(user)


def can_write_notices(user: Actor, organization: Organization) -> bool:
    return organization.pk in notice_organization_ids(user)


def notice_organization_ids(user: Actor) -> frozenset[int]:
    """Organizations whose notices this user may write (owner or admin role; superusers: all)."""
    member = signed_in_user(user)
    if member is None:
        return frozenset()
    if member.is_superuser:
        return frozenset(Organization.objects.values_list("id", flat=True))
    return frozenset(
        member.memberships.filter(role__in=NOTICE_ROLES).values_list("organization_id", flat=True)
    )


def notice_organizations(user: Viewer):
    return Organization.objects.filter(id__in=notice_organization_ids(user)).order_by("name")


def organization_by_slug(slug: str) -> Organization | None:
    return Organization.objects.filter(slug=slug).first()


def organization_names(ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i}
    return dict(Organization.objects.filter(id__in=wanted).values_list("id", "name")) if wanted else {}


def contact_organization(*, organization: Organization | None = None) -> Organization | None:
    """Whose office the chat names when someone asks for a person: the given one, else the
    default organization (slug "default"), else the first."""
    from madoguchi.knowledge.constants import DEFAULT_ORGANIZATION_SLUG

    if organization is not None:
        return organization
    return (
        Organization.objects.filter(slug=DEFAULT_ORGANIZATION_SLUG).first()
        or Organization.objects.order_by("id").first()
    )
