"""``{% site_menu "staff" as items %}``: the registry's entries for the viewer of this page."""

from __future__ import annotations

from django import template

from madoguchi.core.menus import MenuItem, MenuViewer, menu_for

register = template.Library()


@register.simple_tag(takes_context=True)
def site_menu(context, menu: str) -> list[MenuItem]:
    if context.get("public_page"):
        viewer = MenuViewer(public=True)  # cached for everyone: never read the session
    else:
        viewer = context.get("menu_viewer") or MenuViewer()
    request = context.get("request")
    return menu_for(menu, viewer, current=context.get("nav") or "", path=getattr(request, "path", ""))
