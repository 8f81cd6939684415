from django.urls import path

from madoguchi.ledger.views import events, matching, people, roles, totals, uploads

app_name = "ledger"

E = "events/<int:event_id>/"

urlpatterns = [
    path("", events.home, name="home"),
    path("layout.csv", uploads.layout_csv, name="layout_csv"),
    path("events/new/", events.event_new, name="event_new"),
    path(E, events.event_detail, name="event"),
    path(E + "status/", events.event_status, name="event_status"),
    path(E + "municipalities/", events.event_add_municipality, name="event_add_municipality"),
    path(E + "roles/", roles.roles, name="roles"),
    path(E + "roles/<int:role_id>/revoke/", roles.role_revoke, name="role_revoke"),
    path(E + "jobs/<int:job_id>/", events.job_detail, name="job"),
    path(E + "jobs/<int:job_id>/status.json", events.job_status, name="job_status"),
    path(E + "uploads/new/", uploads.upload_new, name="upload_new"),
    path(E + "uploads/<int:upload_id>/", uploads.upload_detail, name="upload"),
    path(E + "uploads/<int:upload_id>/columns/", uploads.upload_columns, name="upload_columns"),
    path(E + "uploads/<int:upload_id>/errors.csv", uploads.upload_errors_csv, name="upload_errors_csv"),
    path(E + "feeds/sync/", events.feeds_sync, name="feeds_sync"),
    path(E + "matching/", matching.matching_start, name="matching_start"),
    path(E + "pairs/", matching.pairs, name="pairs"),
    path(E + "pairs/<int:pair_id>/", matching.pair_detail, name="pair"),
    path(E + "people/", people.people, name="people"),
    path(E + "people.csv", people.people_csv, name="people_csv"),
    path(E + "records/<int:record_id>/", people.record_detail, name="record"),
    path(E + "totals/", totals.totals, name="totals"),
    path(E + "totals/people/", people.drilldown, name="drilldown"),
    path(E + "totals.<str:fmt>", totals.totals_export, name="totals_export"),
]
