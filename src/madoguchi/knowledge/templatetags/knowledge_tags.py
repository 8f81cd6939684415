from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``{{ errors|get_item:"email" }}`` — a value from a dict by a variable key."""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""
