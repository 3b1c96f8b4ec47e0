"""Chinese by default, English when the person chooses it.

Django's ``LocaleMiddleware`` follows the browser's ``Accept-Language`` when no
language was chosen, so a browser set to English would show English pages first.
The platform is Chinese by default (DESIGN section 2): the language is the one
chosen with the switch (the ``set_language`` view's cookie, kept for
``LANGUAGE_COOKIE_AGE``, so it survives signing out and in), else
``LANGUAGE_CODE``."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChosenLanguageMiddleware(LocaleMiddleware):
    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        try:
            language = translation.get_supported_language_variant(
                chosen or settings.LANGUAGE_CODE
            )
        except LookupError:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
