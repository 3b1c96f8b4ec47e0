"""Security headers the Django settings do not cover: a Content-Security-Policy the
pages satisfy (no inline script or style, nothing from another origin) and a
Permissions-Policy. HSTS, nosniff, frame denial and the referrer policy come from
SecurityMiddleware and XFrameOptionsMiddleware through settings."""

from django.conf import settings


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY
        # The vendored API docs (Swagger UI from drf-spectacular-sidecar) start with
        # an inline script; they get their own, slightly wider, policy.
        self.docs_policy = self.policy.replace(
            "script-src 'self'", "script-src 'self' 'unsafe-inline'"
        ).replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            docs = request.path.startswith("/api/v1/docs/") or request.path.startswith(
                "/admin/"
            )
            response["Content-Security-Policy"] = (
                self.docs_policy if docs else self.policy
            )
        response.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response
