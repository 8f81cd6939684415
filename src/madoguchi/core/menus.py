"""The site's menus: one registry, filled by the apps, rendered by the one layout.

Each app lists its pages in ``<app>/menus.py`` (found on first use, like ``admin.py``)::

    from madoguchi.core.menus import APPLICANT, STAFF, MenuEntry, register

    register(MenuEntry(menu=STAFF, key="builder", label=_("手続の作成"), url_name="builder:index",
                       roles=frozenset({"owner", "admin"}), order=40,
                       also=("builder:create", "builder:templates")))

``roles``: the staff roles (``accounts.constants.Role`` values) that see the entry; ``None``
means every viewer of that menu. ``when``: an extra test on the viewer (``ledger`` asks for a
ledger role). ``also``: pages without their own entry that are linked from this entry's page
(tests/test_menus.py checks the link is there). Core knows no roles: the accounts app turns the
request into a :class:`MenuViewer` (its context processor ``menu_viewer``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.urls import NoReverseMatch, reverse

if TYPE_CHECKING:  # core imports no app; the type only
    from madoguchi.accounts.types import Viewer

APPLICANT = "applicant"
STAFF = "staff"
MENUS = (APPLICANT, STAFF)

# who sees an applicant entry
EVERYONE = "everyone"
SIGNED_IN = "signed_in"
SIGNED_OUT = "signed_out"


@dataclass(frozen=True)
class MenuViewer:
    """Who looks at the menu. ``public`` pages (cached for everyone) know nobody: they show
    the entries for everyone only and never read the session."""

    user: Viewer | None = None
    is_authenticated: bool = False
    is_staff_session: bool = False
    roles: frozenset[str] = frozenset()
    is_superuser: bool = False
    public: bool = False


@dataclass(frozen=True)
class MenuEntry:
    menu: str
    key: str
    label: Any  # a (lazy) translatable string
    url_name: str
    url_args: tuple = ()
    order: int = 100
    roles: frozenset[str] | None = None
    audience: str = EVERYONE  # applicant menu: EVERYONE, SIGNED_IN or SIGNED_OUT
    when: Callable[[MenuViewer], bool] | None = None
    also: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return reverse(self.url_name, args=self.url_args)

    def visible_to(self, viewer: MenuViewer) -> bool:
        if self.menu == APPLICANT:
            if viewer.public:
                return self.audience == EVERYONE
            if self.audience == SIGNED_IN and not viewer.is_authenticated:
                return False
            if self.audience == SIGNED_OUT and viewer.is_authenticated:
                return False
        else:
            if not viewer.is_staff_session:
                return False
            if self.roles is not None and not viewer.is_superuser and not (self.roles & viewer.roles):
                return False
        return self.when is None or bool(self.when(viewer))


@dataclass
class _Registry:
    entries: dict[str, MenuEntry] = field(default_factory=dict)
    discovered: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


_registry = _Registry()


def register(*entries: MenuEntry) -> None:
    """Add entries (an entry with the same menu and key replaces the earlier one)."""
    for entry in entries:
        if entry.menu not in MENUS:
            raise ValueError(f"unknown menu {entry.menu!r}")
        _registry.entries[f"{entry.menu}:{entry.key}"] = entry


def _discover() -> None:
    if _registry.discovered:
        return
    with _registry.lock:
        if not _registry.discovered:
            from django.utils.module_loading import autodiscover_modules

            autodiscover_modules("menus")
            _registry.discovered = True


def menu_entries(menu: str | None = None) -> list[MenuEntry]:
    """Every registered entry (of one menu), in menu order."""
    _discover()
    entries: Iterable[MenuEntry] = _registry.entries.values()
    if menu is not None:
        entries = [e for e in entries if e.menu == menu]
    return sorted(entries, key=lambda e: (e.menu, e.order, e.key))


def same_for_everyone_signed_in(menu: str) -> bool:
    """Whether every signed-in reader of ``menu`` in an applicant session sees the same entries:
    no entry asks the reader (``when``). A page drawn once for everyone (the booking form of a
    rush) is drawn per person otherwise."""
    return not any(entry.when is not None for entry in menu_entries(menu))


@dataclass(frozen=True)
class MenuItem:
    key: str
    label: Any
    url: str
    current: bool


def menu_for(menu: str, viewer: MenuViewer, *, current: str = "", path: str = "") -> list[MenuItem]:
    """The entries of ``menu`` this viewer sees, with the one for this page marked current
    (by the template's ``nav`` key or by the path)."""
    items = []
    for entry in menu_entries(menu):
        if not entry.visible_to(viewer):
            continue
        try:
            url = entry.url
        except NoReverseMatch:
            continue
        is_current = entry.key == current or (bool(path) and path == url)
        items.append(MenuItem(key=entry.key, label=entry.label, url=url, current=is_current))
    return items
