"""Errors that services raise and the API turns into HTTP answers.

- ``TransitionNotAllowed`` -> 409, naming the current state (DESIGN section 4).
- Django's ``ValidationError`` from a service -> 400 with messages per field (a
  service gathers them in ``FieldErrors``).
- ``TooManyRequests`` -> 429 with ``Retry-After`` (pages: the 429 error page, by
  ``assist_platform.middleware.TooManyRequestsMiddleware``).
Nothing is changed when either is raised inside a service's transaction."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import Throttled
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class TransitionNotAllowed(Exception):
    """A state change the object's current state does not allow."""

    def __init__(
        self,
        obj_label: str,
        current: str,
        current_display: str,
        action: str,
        detail: str = "",
    ):
        self.current = current
        self.action = action
        self.message = _("Cannot %(action)s: this %(obj)s is %(state)s.") % {
            "action": action,
            "obj": obj_label,
            "state": current_display,
        }
        if detail:
            self.message = f"{self.message} {detail}"
        super().__init__(self.message)


class TooManyRequests(Exception):
    """The same thing asked for too often; it may be asked again after
    ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: int):
        self.message = message
        self.retry_after = max(1, int(retry_after))
        super().__init__(message)


class FieldErrors:
    """What a service's checks find wrong with its input, field by field, raised
    together as one ``ValidationError`` (400) before anything is written."""

    def __init__(self) -> None:
        self.by_field: dict[str, list] = {}

    def __bool__(self) -> bool:
        return bool(self.by_field)

    def __contains__(self, field: str) -> bool:
        return field in self.by_field

    def add(self, field: str, *messages) -> None:
        self.by_field.setdefault(field, []).extend(messages)

    def add_error(self, error: DjangoValidationError) -> None:
        """The messages of a ``full_clean()`` that refused, under their fields."""
        for field, messages in error.message_dict.items():
            self.add(field, *messages)

    def messages(self) -> list:
        return [m for messages in self.by_field.values() for m in messages]

    def raise_any(self) -> None:
        if self.by_field:
            raise DjangoValidationError(self.by_field)


def conflict(exc: TransitionNotAllowed, code: str, **extra) -> Response:
    """The 409 answer to a refused transition: the message, the current state, a
    ``code`` saying why, and any ``extra`` figures the client needs."""
    return Response(
        {"detail": exc.message, "status": exc.current, "code": code, **extra},
        status=status.HTTP_409_CONFLICT,
    )


def api_exception_handler(exc, context):
    if isinstance(exc, TooManyRequests):
        throttled = Throttled(detail=exc.message)
        throttled.wait = exc.retry_after  # Retry-After, without DRF's sentence
        exc = throttled
    if isinstance(exc, TransitionNotAllowed):
        return conflict(exc, "invalid_state")
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {
                field: [m for e in errors for m in e.messages]
                for field, errors in exc.error_dict.items()
            }
            detail = {
                ("non_field_errors" if k == "__all__" else k): v
                for k, v in detail.items()
            }
        else:
            detail = {"non_field_errors": exc.messages}
        exc = DRFValidationError(detail)
    return drf_exception_handler(exc, context)
