"""Chinese by default, English when the person chooses it.

Django's ``LocaleMiddleware`` follows the browser's ``Accept-Language`` when no
language was chosen, so a browser set to English would show English pages first.
The platform is Chinese by default (DESIGN section 2): the language is the one
chosen with the switch (the ``set_language`` view's cookie, kept for
``LANGUAGE_COOKIE_AGE``, so it survives signing out and in), else
``LANGUAGE_CODE``. REST clients have no switch: the API honours their
``Accept-Language``."""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header

from common.errors import TooManyRequests

from .views import too_many_requests

API_PREFIX = "/api/"


def _supported(code: str | None) -> str | None:
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def _from_accept_language(request) -> str | None:
    """The first supported language of the ``Accept-Language`` header, by quality."""
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for code, _quality in parse_accept_lang_header(header):
        language = None if code == "*" else _supported(code)
        if language:
            return language
    return None


def _request_language(request) -> str:
    """The language to answer ``request`` in. Pages: the language chosen with the
    switch, else ``LANGUAGE_CODE``. The REST API (``/api/``) serves clients that
    have no switch: it follows their ``Accept-Language`` header first, then the
    switch's cookie, then ``LANGUAGE_CODE``."""
    chosen = _supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
    if request.path.startswith(API_PREFIX):
        chosen = _from_accept_language(request) or chosen
    return chosen or _supported(settings.LANGUAGE_CODE) or "zh-hans"


class ChosenLanguageMiddleware(LocaleMiddleware):
    """Activates :func:`_request_language` for the request."""

    def process_request(self, request):
        translation.activate(_request_language(request))
        request.LANGUAGE_CODE = translation.get_language()


class RequestLimitsMiddleware:
    """Refuses, before any view runs, what no view of the platform should get:

    - a body larger than the limit (413): ``DATA_UPLOAD_MAX_MEMORY_SIZE`` for forms
      and JSON (DRF reads JSON bodies from the stream, past Django's own check),
      ``FILE_UPLOAD_LIMIT`` for multipart uploads (spreadsheet imports);
    - a NUL byte in the path, the query string or a urlencoded form (400):
      PostgreSQL cannot store or compare text with NUL, and no field takes one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # After ChosenLanguageMiddleware (settings.MIDDLEWARE), so a refusal speaks
        # the request's language, not the one a previous request left active.
        refused = self._refuse(request)
        return refused if refused is not None else self.get_response(request)

    def _refuse(self, request):
        def answer(status, message):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=status)
            return HttpResponse(message, status=status, content_type="text/plain")

        content_type = request.META.get("CONTENT_TYPE", "")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return answer(400, _("Bad Content-Length."))
        multipart = content_type.startswith("multipart/")
        limit = (
            settings.FILE_UPLOAD_LIMIT
            if multipart
            else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        )
        if limit is not None and length > limit:
            return answer(
                413,
                _("The request is too large (at most %(mb).1f MB).")
                % {"mb": limit / (1024 * 1024)},
            )
        raw_query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in raw_query or "\x00" in raw_query:
            return answer(400, _("NUL characters are not allowed."))
        form = content_type.startswith("application/x-www-form-urlencoded")
        if form and length and (b"%00" in request.body or b"\x00" in request.body):
            return answer(400, _("NUL characters are not allowed."))
        return None


class TooManyRequestsMiddleware:
    """A page view that raises ``TooManyRequests`` answers with the 429 page (in the
    base layout, like 400, 403, 404 and 500) and ``Retry-After``; Django has no
    ``handler429``. The API answers it in ``api_exception_handler``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, TooManyRequests):
            return None
        return too_many_requests(request, exception)
