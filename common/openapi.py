"""Reusable OpenAPI descriptions of the error answers (DESIGN section 6).

Use with drf-spectacular: ``@extend_schema(responses={200: X, **errors(400, 403)})``.
The bodies are those produced by ``common.errors.api_exception_handler``."""

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

DetailError = inline_serializer(
    name="DetailError",
    fields={"detail": serializers.CharField()},
)

TransitionError = inline_serializer(
    name="TransitionError",
    fields={
        "detail": serializers.CharField(help_text="Names the current state."),
        "status": serializers.CharField(help_text="The current state's code."),
        "code": serializers.CharField(help_text="Always `invalid_state`."),
    },
)

FieldErrors = inline_serializer(
    name="FieldErrors",
    fields={
        "field_name": serializers.ListField(
            child=serializers.CharField(),
            help_text="Messages for each field that was refused; "
            "`non_field_errors` for the request as a whole.",
        )
    },
)

RESPONSES = {
    400: OpenApiResponse(FieldErrors, description="Bad input: messages per field."),
    401: OpenApiResponse(DetailError, description="No or invalid credentials."),
    403: OpenApiResponse(DetailError, description="The role may not do this."),
    404: OpenApiResponse(DetailError, description="Not found in the caller's scope."),
    409: OpenApiResponse(
        TransitionError,
        description="The object's current state does not allow this.",
    ),
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """The error responses with the given status codes."""
    return {code: RESPONSES[code] for code in codes}
