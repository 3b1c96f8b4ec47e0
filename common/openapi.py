"""Reusable OpenAPI descriptions of the error answers (DESIGN section 6).

Use with drf-spectacular: ``@extend_schema(responses={200: X, **errors(400, 403)})``,
or the shorthands below for the usual operations.
The bodies are those produced by ``common.errors.api_exception_handler``."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
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


def answers(body, *codes: int, status: int = 200) -> dict:
    """An operation's responses: ``body`` at ``status``, then the errors ``codes``."""
    return {status: body, **errors(*codes)}


def read_one(summary: str, body, *, codes=(404,), **schema):
    """GET of one object: ``body``, else 404."""
    return extend_schema(summary=summary, responses=answers(body, *codes), **schema)


def created(summary: str, body, *, codes=(400, 403), **schema):
    """POST of a new object: ``body`` with 201, else 400 and 403."""
    return extend_schema(
        summary=summary, responses=answers(body, *codes, status=201), **schema
    )


def changed(summary: str, body, *, codes=(400, 403, 404), **schema):
    """PATCH of one object: ``body``, else 400, 403 and 404."""
    return extend_schema(summary=summary, responses=answers(body, *codes), **schema)


def transition(summary: str, body, *, codes=(400, 403, 404, 409), **schema):
    """A change of state (PATCH or POST ``<pk>/<verb>/``): ``body``, else 400, 403,
    404, and 409 when the current state does not allow it."""
    return extend_schema(summary=summary, responses=answers(body, *codes), **schema)


def deleted(summary: str, *, codes=(403, 404, 409), **schema):
    """DELETE of one object: 204, else 403, 404 and 409."""
    return extend_schema(
        summary=summary, responses=answers(None, *codes, status=204), **schema
    )
