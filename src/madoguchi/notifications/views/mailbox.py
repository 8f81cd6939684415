"""The applicant's mailbox (/mailbox/) and notification settings (/mailbox/settings/)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from madoguchi.core.downloads import file_download
from madoguchi.core.errors import FieldErrors
from madoguchi.core.responses import form_status
from madoguchi.notifications import selectors, services
from madoguchi.notifications.forms import ContactPreferenceForm


@login_required
@never_cache
def mailbox(request):
    return render(
        request,
        "notifications/mailbox.html",
        {"items": selectors.mailbox_list(user=request.user)[:200]},
    )


@login_required
@never_cache
def message(request, message_id):
    item = selectors.access_mailbox_message(user=request.user, message_id=message_id)
    services.mailbox_mark_read(message=item, user=request.user)
    return render(request, "notifications/message.html", {"item": item})


@login_required
@never_cache
def download(request, message_id):
    item = selectors.access_mailbox_message(user=request.user, message_id=message_id)
    if not item.file:
        return redirect("notifications:message", message_id=item.pk)
    services.mailbox_mark_read(message=item, user=request.user, downloaded=True)
    return file_download(
        item.file.open("rb"), original_name=item.file_name or "document", content_type=item.content_type
    )


@login_required
@never_cache
def settings_view(request):
    preference = services.contact_preference_get(user=request.user)
    if request.method == "POST":
        form = ContactPreferenceForm(request.POST)
        if form.is_valid():
            try:
                services.contact_preference_update(user=request.user, **form.cleaned_data)
            except FieldErrors as exc:
                form.add_service_errors(exc.as_dict())
            else:
                messages.success(request, _("通知の設定を保存しました。"))
                return redirect("notifications:settings")
    else:
        form = ContactPreferenceForm(
            initial={
                "email_enabled": preference.email_enabled,
                "line_enabled": preference.line_enabled,
                "line_user_id": preference.line_user_id,
            }
        )
    return render(
        request, "notifications/settings.html", {"form": form}, status=form_status(request, form.errors)
    )
