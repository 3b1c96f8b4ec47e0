"""One-time links with which a person whose account a coordinator created chooses
their password.

The link carries a token of Django's password-reset kind (an HMAC of the account's
id, password hash, last sign-in and e-mail, with the time it was made) under its own
salt, so that a reset link is no invitation and the other way round. It works while
the account has no usable password and is active, for ``ACCOUNT_INVITATION_TTL``
seconds; setting the password changes the hash and so ends it (and every other link
sent before), as does sending a new one (``account_invitation_resend``)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode

from .models import User

logger = logging.getLogger(__name__)


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "accounts.invitations.InvitationTokenGenerator"

    def check_token(self, user, token) -> bool:
        """Django's check, with the invitation's own lifetime instead of
        ``PASSWORD_RESET_TIMEOUT``, and only for an active account still waiting
        for its first password."""
        if not (user and token) or not user.is_active or user.has_usable_password():
            return False
        try:
            stamp, _digest = token.split("-")
            issued = base36_to_int(stamp)
        except ValueError:
            return False
        if self._num_seconds(self._now()) - issued > settings.ACCOUNT_INVITATION_TTL:
            return False
        return any(
            constant_time_compare(
                self._make_token_with_timestamp(user, issued, secret), token
            )
            for secret in [self.secret, *self.secret_fallbacks]
        )


invitation_tokens = InvitationTokenGenerator()


def invitation_path(user: User) -> str:
    return reverse(
        "invitation_accept",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": invitation_tokens.make_token(user),
        },
    )


def send_invitations(user_ids: Iterable[int], link_base: str) -> int:
    """E-mail each account of ``user_ids`` still waiting for its password a fresh
    one-time link on the site at ``link_base`` (``https://host``). Returns how many
    mails left. In ``LANGUAGE_CODE``: the person has chosen no language yet."""
    users = User.objects.filter(pk__in=list(user_ids), is_active=True).exclude(email="")
    messages = []
    with translation.override(settings.LANGUAGE_CODE):
        for user in users.order_by("pk"):
            if user.has_usable_password():
                continue
            context = {
                "user": user,
                "link": link_base.rstrip("/") + invitation_path(user),
                "hours": settings.ACCOUNT_INVITATION_TTL // 3600,
            }
            subject = render_to_string("accounts/invitation_subject.txt", context)
            body = render_to_string("accounts/invitation_email.txt", context)
            messages.append(
                EmailMessage(
                    subject=" ".join(subject.split()),
                    body=body,
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    to=[user.email],
                )
            )
    if not messages:
        return 0
    sent = get_connection().send_messages(messages) or 0
    logger.info("invitations: %d of %d e-mails sent", sent, len(messages))
    return sent
