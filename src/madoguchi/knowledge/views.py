from django.http import HttpResponse


def _todo(request, *args, **kwargs):
    return HttpResponse("todo")


faq_index = search = click = faq_detail = notice_detail = chat = chat_widget = inquiry = inquiry_thanks = _todo
staff_dashboard = staff_faq_edit = staff_synonyms = staff_inquiries = _todo
