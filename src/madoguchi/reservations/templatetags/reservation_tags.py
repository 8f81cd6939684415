from django import template

register = template.Library()


@register.inclusion_tag("reservations/_procedure_bookings.html")
def procedure_bookings(procedure):
    """``{% procedure_bookings procedure %}``: what can be booked for a procedure (its 説明会, the
    保養所's calendar, the counter), for the procedure's page — a template tag, so the procedures
    app shows the links without importing the reservations app."""
    from madoguchi.reservations.selectors import resources_for_procedure

    return {"resources": resources_for_procedure(procedure=procedure)}
