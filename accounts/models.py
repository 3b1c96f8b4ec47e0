from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken

from common import fields


class Role(models.TextChoices):
    ADMIN = "admin", _("Programme admin")
    COORDINATOR = "coordinator", _("County coordinator")
    SCHOOL_STAFF = "school_staff", _("School staff")
    TEACHER = "teacher", _("Dispatched teacher")


class PlatformUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person signed in to the platform. The role decides what they may do; the
    scope (counties, school, teacher record) decides which objects they see."""

    role = models.CharField(
        _("role"), max_length=20, choices=Role.choices, default=Role.SCHOOL_STAFF
    )
    counties = models.ManyToManyField(
        "places.County",
        verbose_name=_("counties"),
        blank=True,
        related_name="coordinators",
        help_text=_("Counties a coordinator is responsible for."),
    )
    school = fields.reference(
        "places.School",
        _("school"),
        related_name="staff",
        optional=True,
        help_text=_("The assisted school a school staff account speaks for."),
    )
    # Set when a coordinator issues a temporary password: until the person chooses
    # their own, every page leads to the password page and the API answers 403
    # (accounts/middleware.py, accounts/authentication.py).
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_(
            "The account signs in with a temporary password and must choose its own "
            "before doing anything else."
        ),
    )

    objects = PlatformUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            fields.one_of("role", Role, "user_role_valid"),
        ]

    def __str__(self) -> str:
        full = self.get_full_name()
        return f"{full} ({self.username})" if full else self.username

    def save(self, *args, **kwargs):
        # Every way of changing a password (the API, the admin's forms, the password
        # page, ``manage.py changepassword``) goes through set_password() and save(),
        # and so does a deactivation: ending the account's tokens and sessions here is
        # the one place none of them can miss. A view that keeps its own user signed
        # in (the password page, the admin's password form) gives that session a new
        # key with update_session_auth_hash() right after.
        ends_credentials = not self._state.adding and (
            getattr(self, "_credentials_changed", False) or not self.is_active
        )
        super().save(*args, **kwargs)
        self._credentials_changed = False
        if ends_credentials:
            self.end_credentials()

    def set_password(self, raw_password):
        # A password the person chose replaces any temporary one; the service that
        # issues a temporary password sets the flag again after this.
        super().set_password(raw_password)
        self.must_change_password = False
        self._credentials_changed = True

    def set_unusable_password(self):
        super().set_unusable_password()
        self._credentials_changed = True

    def end_credentials(self) -> None:
        """End every API token and every browser session of this account."""
        AuthToken.objects.filter(user=self).delete()
        UserSession.objects.filter(user_id=self.pk).delete()

    @property
    def invitation_pending(self) -> bool:
        """Created with a one-time link to set a password, and not used yet: such an
        account has no usable password and cannot sign in."""
        return self.is_active and not self.has_usable_password()

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN or self.is_superuser

    @property
    def is_coordinator(self) -> bool:
        return self.role == Role.COORDINATOR

    @property
    def is_school_staff(self) -> bool:
        return self.role == Role.SCHOOL_STAFF

    @property
    def is_teacher(self) -> bool:
        return self.role == Role.TEACHER


class Notification(models.Model):
    """An in-app inbox message; e-mail copies go through Django's mail backend."""

    user = fields.part_of(User, _("user"), related_name="notifications")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    # The link's label names what to do there ("Answer the proposal").
    action_label = models.CharField(_("action"), max_length=60, blank=True)
    # What it is about, for reminders that must not repeat within a day.
    kind = models.CharField(_("kind"), max_length=40, blank=True)
    # Urgent notices are e-mailed at once; the others wait for the daily digest.
    urgent = models.BooleanField(_("urgent"), default=True)
    emailed_at = fields.moment(_("e-mailed at"))
    created_at = fields.created_at()
    read_at = fields.moment(_("read at"))

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "read_at"]),
            models.Index(
                fields=["user"],
                condition=models.Q(urgent=False, emailed_at__isnull=True),
                name="notification_digest_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class UserSession(AbstractBaseSession):
    """A browser session with the account signed in to it, so that a password change
    or a deactivation can end that account's sessions."""

    user_id = models.BigIntegerField(_("user"), null=True, db_index=True)

    @classmethod
    def get_session_store_class(cls):
        return SessionStore


class SessionStore(DatabaseSessionStore):
    """The session engine (``SESSION_ENGINE = "accounts.sessions"``; the documented
    way of extending Django's database session engine)."""

    @classmethod
    def get_model_class(cls):
        return UserSession

    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        try:
            instance.user_id = int(data.get("_auth_user_id"))
        except (TypeError, ValueError):
            instance.user_id = None
        return instance


class ApiToken(AuthToken):
    """django-rest-knox's tokens under a name of this platform, for the admin (knox
    names its model and app in English only)."""

    class Meta:
        proxy = True
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
