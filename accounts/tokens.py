"""API tokens: issued for a username and password, sent as ``Authorization: Token
<key>``, ended by expiry, by their owner, or by a change of the owner's credentials.

django-rest-knox stores a SHA-512 digest of each token (never the token itself) with
its expiry, and refuses expired tokens and inactive users. A token lives
``settings.API_TOKEN_TTL`` seconds from issue; using it does not extend it."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from knox.models import AuthToken
from rest_framework import exceptions

from .authentication import refuse_until_password_changed


def token_issue(*, user) -> str:
    """A new token for ``user``; returns the key, which is shown only this once."""
    _instance, key = AuthToken.objects.create(
        user=user, expiry=timedelta(seconds=settings.API_TOKEN_TTL)
    )
    return key


def token_revoke(*, token: AuthToken) -> None:
    AuthToken.objects.filter(pk=token.pk).delete()


class ApiTokenAuthentication(TokenAuthentication):
    """knox's token authentication, answering a key that is not UTF-8 with 401
    instead of an error, and refusing an account that must change its temporary
    password first (accounts/authentication.py)."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            refuse_until_password_changed(request, result[0])
        return result

    def authenticate_credentials(self, token: bytes):
        try:
            token.decode("utf-8")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        return super().authenticate_credentials(token)


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The schema's name for this authentication, as it was with DRF's tokens."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization",
            token_prefix="Token",  # noqa: S106 - the header scheme, not a secret
        )
