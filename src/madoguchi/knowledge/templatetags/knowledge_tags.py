from django import template

from madoguchi.accounts.sessions import staff_viewer

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``{{ errors|get_item:"email" }}`` — a value from a dict by a variable key."""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""


@register.inclusion_tag("knowledge/_related_faqs.html", takes_context=True)
def related_faqs(context, procedure):
    """``{% related_faqs procedure %}``: the FAQ entries linked to a procedure, for its page.

    A template tag, so the procedures app shows them without importing the knowledge app."""
    from madoguchi.knowledge.selectors import faq_list_for_procedure

    user = getattr(context.get("request"), "user", None)
    return {"faqs": faq_list_for_procedure(procedure=procedure, user=user)}


@register.inclusion_tag("knowledge/_site_answers.html", takes_context=True)
def site_answers(context, query: str, organization_slug: str = ""):
    """``{% site_answers q org_slug %}``: FAQ entries and notices for the words typed into another
    page's search (the catalog at "/"), with the chat and the inquiry form when nothing matches."""
    from madoguchi.knowledge import selectors

    query = (query or "").strip()[:200]
    if not query:
        return {"show": False}
    organization = selectors.organization_by_slug(organization_slug) if organization_slug else None
    request = context.get("request")
    user = staff_viewer(request) if request is not None else None
    page = selectors.site_search(
        query=query, user=user, organization=organization, types=["faq", "notice"], limit=5
    )
    return {"show": True, "query": query, "results": page.results, "organization": organization}
