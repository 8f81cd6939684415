from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from madoguchi.core.models import DevMail


@never_cache
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def dev_mail(request):
    if not settings.DEV_MAIL_PAGE:
        raise Http404
    return render(request, "core/dev_mail.html", {"messages_sent": DevMail.objects.all()[:50]})


def not_found(request, exception=None):
    return render(
        request, "core/error.html", {"title": "404", "message": _("ページが見つかりません。")}, status=404
    )


def server_error(request):
    """Django's last resort. Under /api/ it answers the API's error shape (never an HTML page):
    an exception outside the API's own handlers, e.g. in middleware, still reaches clients as
    JSON they can act on."""
    if request.path_info.startswith("/api/"):
        return JsonResponse(
            {
                "error": {
                    "code": "server_error",
                    "message": _("サーバーでエラーが発生しました。時間をおいてもう一度お試しください。"),
                    "retryable": False,
                }
            },
            status=500,
            json_dumps_params={"ensure_ascii": False},
        )
    return render(
        request,
        "core/error.html",
        {"title": "500", "message": _("エラーが発生しました。時間をおいてもう一度お試しください。")},
        status=500,
    )
