from django.urls import path

from madoguchi.reservations.views import applicant, public, staff

app_name = "reservations"
urlpatterns = [
    # public, cache-friendly
    path("", public.resource_list, name="resource_list"),
    path("r/<slug:organization_slug>/<slug:resource_slug>/", public.resource_detail, name="resource_detail"),
    path("lotteries/<int:lottery_id>/", public.lottery_detail, name="lottery_detail"),
    # applicants
    path(
        "r/<slug:organization_slug>/<slug:resource_slug>/book/<int:slot_id>/",
        applicant.booking_new,
        name="booking_new",
    ),
    path("mine/", applicant.mine, name="mine"),
    path("b/<uuid:booking_id>/", applicant.booking_detail, name="booking_detail"),
    path("b/<uuid:booking_id>/cancel/", applicant.booking_cancel, name="booking_cancel"),
    path("b/<uuid:booking_id>/change/", applicant.booking_change, name="booking_change"),
    path("b/<uuid:booking_id>/confirm/", applicant.booking_confirm, name="booking_confirm"),
    path("b/<uuid:booking_id>/booking.ics", applicant.booking_ics, name="booking_ics"),
    path("b/<uuid:booking_id>/qr.svg", applicant.booking_qr, name="booking_qr"),
    path("lotteries/<int:lottery_id>/enter/", applicant.lottery_enter, name="lottery_enter"),
    path("entries/<int:entry_id>/withdraw/", applicant.entry_withdraw, name="entry_withdraw"),
    # staff
    path("staff/", staff.staff_home, name="staff_home"),
    path("staff/checkin/", staff.staff_checkin, name="staff_checkin"),
    path("staff/r/<int:resource_id>/", staff.staff_day, name="staff_day"),
    path("staff/r/<int:resource_id>/closures/", staff.staff_closure_add, name="staff_closure_add"),
    path("staff/slots/<int:slot_id>/block/", staff.staff_slot_block, name="staff_slot_block"),
    path(
        "staff/bookings/<uuid:booking_id>/<str:action>/",
        staff.staff_booking_action,
        name="staff_booking_action",
    ),
    path("staff/lotteries/<int:lottery_id>/", staff.staff_lottery, name="staff_lottery"),
]
