from django.urls import path

from madoguchi.knowledge import views

app_name = "knowledge"
urlpatterns = [
    path("", views.faq_index, name="faq_index"),
    path("search", views.search, name="search"),
    path("go", views.click, name="click"),
    path("faq/<int:faq_id>/", views.faq_detail, name="faq_detail"),
    path("notices/<int:notice_id>/", views.notice_detail, name="notice_detail"),
    path("chat", views.chat, name="chat"),
    path("chat/widget", views.chat_widget, name="chat_widget"),
    path("inquiry", views.inquiry, name="inquiry"),
    path("inquiry/thanks", views.inquiry_thanks, name="inquiry_thanks"),
    path("staff/", views.staff_dashboard, name="staff_dashboard"),
    path("staff/faq/new", views.staff_faq_edit, name="staff_faq_new"),
    path("staff/faq/<int:faq_id>/edit", views.staff_faq_edit, name="staff_faq_edit"),
    path("staff/synonyms", views.staff_synonyms, name="staff_synonyms"),
    path("staff/inquiries", views.staff_inquiries, name="staff_inquiries"),
    path("staff/notices/", views.staff_notices, name="staff_notices"),
    path("staff/notices/new", views.staff_notice_edit, name="staff_notice_new"),
    path("staff/notices/<int:notice_id>/edit", views.staff_notice_edit, name="staff_notice_edit"),
    path("staff/notices/<int:notice_id>/publish", views.staff_notice_publish, name="staff_notice_publish"),
    path("staff/notices/<int:notice_id>/delete", views.staff_notice_delete, name="staff_notice_delete"),
]
