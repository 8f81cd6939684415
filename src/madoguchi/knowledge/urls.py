from django.urls import path

from madoguchi.knowledge.views import chat, public, staff

app_name = "knowledge"
urlpatterns = [
    path("", public.faq_index, name="faq_index"),
    path("search", public.search, name="search"),
    path("go", public.click, name="click"),
    path("faq/<int:faq_id>/", public.faq_detail, name="faq_detail"),
    path("notices/<int:notice_id>/", public.notice_detail, name="notice_detail"),
    path("chat", chat.chat, name="chat"),
    path("chat/widget", chat.chat_widget, name="chat_widget"),
    path("inquiry", chat.inquiry, name="inquiry"),
    path("inquiry/thanks", chat.inquiry_thanks, name="inquiry_thanks"),
    path("staff/", staff.staff_dashboard, name="staff_dashboard"),
    path("staff/faq/new", staff.staff_faq_edit, name="staff_faq_new"),
    path("staff/faq/<int:faq_id>/edit", staff.staff_faq_edit, name="staff_faq_edit"),
    path("staff/synonyms", staff.staff_synonyms, name="staff_synonyms"),
    path("staff/inquiries", staff.staff_inquiries, name="staff_inquiries"),
    path("staff/inquiries/<int:inquiry_id>/", staff.staff_inquiry, name="staff_inquiry"),
    path("staff/notices/", staff.staff_notices, name="staff_notices"),
    path("staff/notices/new", staff.staff_notice_edit, name="staff_notice_new"),
    path("staff/notices/<int:notice_id>/edit", staff.staff_notice_edit, name="staff_notice_edit"),
    path("staff/notices/<int:notice_id>/publish", staff.staff_notice_publish, name="staff_notice_publish"),
    path("staff/notices/<int:notice_id>/delete", staff.staff_notice_delete, name="staff_notice_delete"),
]
