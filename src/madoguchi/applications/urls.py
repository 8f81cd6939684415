from django.urls import path

from madoguchi.applications import views

app_name = "applications"
urlpatterns = [
    path("", views.mine, name="mine"),
    # starting: the 本人／代理人 question, a visitor's first step, and the hand-over after sign-in
    path("new/<slug:org_slug>/<slug:procedure_slug>/", views.start, name="start"),
    path("new/<slug:org_slug>/<slug:procedure_slug>/first/", views.start_step, name="start_step"),
    path("new/<slug:org_slug>/<slug:procedure_slug>/resume/", views.start_resume, name="start_resume"),
    # drafts
    path("drafts/<uuid:draft_id>/", views.draft_resume, name="draft_resume"),
    path("drafts/<uuid:draft_id>/proxy/", views.draft_proxy, name="draft_proxy"),
    path("drafts/<uuid:draft_id>/steps/<str:step_key>/", views.draft_step, name="draft_step"),
    path("drafts/<uuid:draft_id>/confirm/", views.draft_confirm, name="draft_confirm"),
    path("drafts/<uuid:draft_id>/discard/", views.draft_discard, name="draft_discard"),
    # drafts/<id>/handoff/ (カウンターで見せるQRコード) is the counter's: counter/applicant_urls.py
    # submitted applications
    path("<uuid:application_id>/", views.detail, name="detail"),
    path("<uuid:application_id>/receipt/", views.receipt, name="receipt"),
    path("<uuid:application_id>/receipt.pdf", views.receipt_pdf_view, name="receipt_pdf"),
    path("<uuid:application_id>/withdraw/", views.withdraw, name="withdraw"),
    path("attachments/<uuid:attachment_id>/", views.attachment_download, name="attachment"),
]
