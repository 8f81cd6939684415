from django.urls import include, path

from madoguchi.review import applicant_views, ticket_views, views

app_name = "review"
urlpatterns = [
    path("", views.root, name="root"),
    path("work/", views.work, name="work"),
    path("queue/<str:queue>/", views.queue, name="queue"),
    path("cases/<uuid:case_id>/", views.case_detail, name="case"),
    path("cases/<uuid:case_id>/act/", views.case_action, name="case_action"),
    path("cases/<uuid:case_id>/paper-decision/", include("madoguchi.review.paper_urls")),
    path("cases/<uuid:case_id>/attachments/<uuid:attachment_id>/", views.case_attachment, name="attachment"),
    path("notices/<uuid:notice_id>.pdf", views.notice_download, name="notice"),
    path("tickets/<uuid:ticket_id>.pdf", ticket_views.ticket_download, name="ticket"),
    path("tickets/<uuid:ticket_id>/", ticket_views.ticket_check, name="ticket_check"),
    path("proposals/new/", views.proposal_new, name="proposal_new"),
    path("stats/", views.stats, name="stats"),
    path("notice-templates/", views.notice_templates, name="notice_templates"),
    path("notice-templates/<int:procedure_id>/", views.notice_template_edit, name="notice_template_edit"),
    path("notice-templates/<int:procedure_id>/ticket/", ticket_views.ticket_setting, name="ticket_setting"),
    path("routes/", include("madoguchi.review.route_editor.urls")),
    # Applicant's correction page; served at /corrections/ once config/urls.py mounts
    # review.applicant_urls. Until then this fallback keeps the link in the e-mail working.
    path("corrections/<uuid:correction_id>/", applicant_views.correction_respond, name="correction_respond"),
    path("corrections/<uuid:correction_id>/done/", applicant_views.correction_done, name="correction_done"),
]
