"""変更届 (S7) on other apps' pages, without those apps importing applications."""

from django import template

register = template.Library()


@register.inclusion_tag("applications/_amendment_start.html", takes_context=True)
def amendment_start(context, procedure):
    """``{% amendment_start procedure %}`` on a 変更届's page: the signed-in applicant's approved
    applications (指定) it can change, each with a button that starts the 変更届 from it."""
    from madoguchi.applications.selectors import amendable_applications

    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "procedure": procedure,
        "designations": amendable_applications(user=user, procedure=procedure),
        "signed_in": bool(getattr(user, "is_authenticated", False)),
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }
