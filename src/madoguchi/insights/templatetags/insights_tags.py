from django import template

register = template.Library()


@register.filter
def kpi(kpis, key):
    """``row.kpis|kpi:key`` — a KpiValue from a row's dict."""
    return kpis.get(key)
