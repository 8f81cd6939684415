"""Security headers (CSP) and a hard request-size limit answered with a clean 413."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", "camera=(self), geolocation=(), microphone=()")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response


class RequestSizeLimitMiddleware:
    """Refuse bodies larger than MAX_REQUEST_BYTES (uploads) or MAX_JSON_BYTES (JSON) early."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        content_type = request.META.get("CONTENT_TYPE", "")
        limit = (
            settings.MAX_JSON_BYTES
            if content_type.startswith("application/json")
            else settings.MAX_REQUEST_BYTES
        )
        if length > limit:
            return too_large(request, limit)
        return self.get_response(request)


def too_large(request, limit: int) -> HttpResponse:
    megabytes = max(1, limit // (1024 * 1024))
    message = (
        f"送信されたデータが大きすぎます（上限 {megabytes} MB）。ファイルを小さくしてやり直してください。"
    )
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"code": "too_large", "message": message}}, status=413)
    html = render_to_string("core/error.html", {"title": "413", "message": message}, request=None)
    return HttpResponse(html, status=413)
