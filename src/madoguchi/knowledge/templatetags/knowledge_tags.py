from django import template

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
