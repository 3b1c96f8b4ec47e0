"""REST endpoints of this app (DESIGN section 6): ``auth/token/``, ``me/``,
``me/password/``, ``users/`` (programme admins only) and ``people/`` (the accounts
of teachers and school staff, for their coordinators and the admins)."""

from django.apps import apps
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import permissions, serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.decorators import action
from rest_framework.exceptions import Throttled
from rest_framework.response import Response
from rest_framework.views import APIView

from common.openapi import (
    DetailError,
    answers,
    changed,
    created,
    errors,
    read_one,
    transition,
)
from common.viewsets import ListCreatePatchViewSet, ListCreateViewSet
from places.models import County, School

from . import services
from .models import Role, User
from .scopes import managed_accounts, visible
from .throttling import attempt_begin, attempt_succeeded, client_address
from .tokens import ApiTokenAuthentication, token_issue, token_revoke


class TeacherField(serializers.PrimaryKeyRelatedField):
    """The ``teams.Teacher`` record linked to the account (a reverse one-to-one)."""

    def get_queryset(self):
        return apps.get_model("teams", "Teacher").objects.all()

    def get_attribute(self, instance):
        return getattr(instance, "teacher", None)


class UserSerializer(serializers.ModelSerializer):
    password = serializers.CharField(
        write_only=True,
        required=False,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text=_("Write-only; required when creating an account."),
    )
    role = serializers.ChoiceField(choices=Role.choices)
    counties = serializers.PrimaryKeyRelatedField(
        many=True, queryset=County.objects.all(), required=False
    )
    school = serializers.PrimaryKeyRelatedField(
        queryset=School.objects.all(), required=False, allow_null=True
    )
    teacher = TeacherField(required=False, allow_null=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "password",
            "first_name",
            "last_name",
            "email",
            "role",
            "counties",
            "school",
            "teacher",
            "is_active",
            "date_joined",
            "last_login",
        ]
        read_only_fields = ["date_joined", "last_login"]
        # Uniqueness and the other model checks are the service's; the serializer
        # only parses.
        extra_kwargs = {"username": {"validators": []}}


class MeSerializer(UserSerializer):
    class Meta(UserSerializer.Meta):
        # One's own account, read only: without the password and an admin's
        # bookkeeping (active, joined, last login).
        fields = [
            name
            for name in UserSerializer.Meta.fields
            if name not in ("password", "is_active", "date_joined", "last_login")
        ]
        read_only_fields = fields


class IsProgrammeAdmin(permissions.BasePermission):
    message = _("Only programme admins may manage accounts.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_admin)


TokenResponse = inline_serializer(
    name="TokenResponse", fields={"token": serializers.CharField()}
)


class TokenView(APIView):
    """Trade a username and password for an API token."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    serializer_class = AuthTokenSerializer

    @extend_schema(
        summary="Get an API token",
        description="Send it as `Authorization: Token <token>`. Each call issues a "
        "new token, valid for `API_TOKEN_TTL` (30 days unless configured); "
        "`auth/token/revoke/` ends it sooner.",
        request=AuthTokenSerializer,
        responses={
            200: TokenResponse,
            **errors(400),
            429: OpenApiResponse(
                DetailError,
                description="Too many failed attempts for this account from this "
                "address, for this account, or from this address; the message "
                "says which. See Retry-After.",
            ),
        },
        auth=[],
    )
    def post(self, request):
        # The same throttle as the sign-in page, so the API is no way round it.
        data = request.data if hasattr(request.data, "get") else {}
        attempt = attempt_begin(
            username=str(data.get("username", "")), address=client_address(request)
        )
        if not attempt.allowed:
            refused = Throttled(detail=attempt.message())
            refused.wait = attempt.retry_after  # Retry-After, without DRF's sentence
            raise refused
        serializer = AuthTokenSerializer(
            data=request.data, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        attempt_succeeded(attempt)
        return Response({"token": token_issue(user=user)})


class TokenRevokeView(APIView):
    """End the token this request is made with."""

    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [permissions.IsAuthenticated]
    allowed_before_password_change = True

    @extend_schema(
        summary="Revoke this API token",
        responses=answers(None, 401, status=204),
        description="Ends the token sent in `Authorization: Token <token>` at once; "
        "other tokens of the account stay valid. Every token also ends "
        "`API_TOKEN_TTL` after it was issued (30 days unless configured), and all "
        "of an account's tokens end when its password changes or it is "
        "deactivated.",
        request=None,
    )
    def post(self, request):
        token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    """The signed-in account: role and scope."""

    serializer_class = MeSerializer

    @extend_schema(
        summary="The signed-in account", responses={200: MeSerializer, **errors(401)}
    )
    def get(self, request):
        user = (
            User.objects.select_related("teacher")
            .prefetch_related("counties")
            .get(pk=request.user.pk)
        )
        return Response(MeSerializer(user, context={"request": request}).data)


class _AccountList:
    # How both account lists filter, search and sort. (A comment, not a docstring:
    # the schema takes a view's docstring as its description.)
    filterset_fields = ["role", "school", "is_active"]
    search_fields = ["username", "first_name", "last_name", "email"]
    ordering_fields = ["username", "date_joined", "last_login", "id"]
    ordering = ["username"]


@extend_schema_view(
    list=extend_schema(
        summary="Accounts (admin)", responses={200: UserSerializer, **errors(403)}
    ),
    retrieve=read_one("An account (admin)", UserSerializer, codes=(403, 404)),
    create=created(
        "Create an account (admin)",
        UserSerializer,
        description="Setting `teacher` links that teacher record to the account.",
    ),
    partial_update=changed("Change an account (admin)", UserSerializer),
)
class UserViewSet(_AccountList, ListCreatePatchViewSet):
    serializer_class = UserSerializer
    permission_classes = [permissions.IsAuthenticated, IsProgrammeAdmin]

    def get_queryset(self):
        return User.objects.select_related("school", "teacher").prefetch_related(
            "counties"
        )

    def _answer(self, user, status_code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=user.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        user = services.user_create(
            actor=request.user,
            username=data.pop("username"),
            password=data.pop("password", ""),
            role=data.pop("role"),
            **data,
        )
        return self._answer(user, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        user = self.get_object()
        serializer = self.get_serializer(user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = services.user_update(
            user=user, actor=request.user, data=serializer.validated_data
        )
        return self._answer(user)


# -- one's own password ----------------------------------------------------------


_TOO_MANY = OpenApiResponse(
    DetailError, description="Asked too often; see Retry-After."
)


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(trim_whitespace=False, write_only=True)
    new_password = serializers.CharField(trim_whitespace=False, write_only=True)


class MePasswordView(APIView):
    """Change the signed-in account's own password (also the way out of a
    temporary password)."""

    serializer_class = PasswordChangeSerializer
    allowed_before_password_change = True

    @extend_schema(
        summary="Change my password",
        description="Needs the current password. Every token and browser session "
        "of the account ends; the answer carries a new token. Wrong current "
        "passwords count against the sign-in throttle (429 past it).",
        request=PasswordChangeSerializer,
        responses={200: TokenResponse, **errors(400, 401), 429: _TOO_MANY},
    )
    def post(self, request):
        body = PasswordChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = request.user
        attempt = attempt_begin(
            username=user.get_username(), address=client_address(request)
        )
        if not attempt.allowed:
            refused = Throttled(detail=attempt.message())
            refused.wait = attempt.retry_after
            raise refused
        old, new = (
            body.validated_data["old_password"],
            body.validated_data["new_password"],
        )
        if not user.check_password(old):
            raise serializers.ValidationError(
                {"old_password": [_("Your old password was entered incorrectly.")]}
            )
        attempt_succeeded(attempt)
        problems: list[str] = []
        if new == old:
            problems.append(
                _("Choose a password different from the one you signed in with.")
            )
        try:
            password_validation.validate_password(new, user)
        except DjangoValidationError as exc:
            problems.extend(exc.messages)
        if problems:
            raise serializers.ValidationError({"new_password": problems})
        user.set_password(new)
        user.save()  # ends every token and session of the account (models.py)
        return Response({"token": token_issue(user=user)})


# -- accounts of teachers and school staff ------------------------------------------


class IsAccountManager(permissions.BasePermission):
    message = _("Only programme admins and county coordinators may do this.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(
            user and user.is_authenticated and (user.is_admin or user.is_coordinator)
        )


class PersonState:
    WAITING = "waiting_for_password"
    TEMPORARY = "temporary_password"
    ACTIVE = "active"
    INACTIVE = "inactive"


class PersonSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    teacher = TeacherField(read_only=True)
    state = serializers.SerializerMethodField(
        help_text="`waiting_for_password` (the one-time link is not used yet: "
        "the account cannot sign in), `temporary_password` (must choose a "
        "password at the next sign-in), `active` or `inactive`."
    )

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "name",
            "email",
            "role",
            "school",
            "teacher",
            "is_active",
            "state",
            "date_joined",
            "last_login",
        ]
        read_only_fields = fields

    def get_name(self, user) -> str:
        return user.get_full_name()

    def get_state(self, user) -> str:
        if not user.is_active:
            return PersonState.INACTIVE
        if user.invitation_pending:
            return PersonState.WAITING
        if user.must_change_password:
            return PersonState.TEMPORARY
        return PersonState.ACTIVE


@extend_schema_field(OpenApiTypes.INT)
class ScopedField(serializers.PrimaryKeyRelatedField):
    """Ids of ``model_label`` the caller may see; any other id is answered like
    one that does not exist."""

    def __init__(self, model_label: str, **kwargs):
        self.model_label = model_label
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        model = apps.get_model(self.model_label)
        return visible(getattr(request, "user", None), model.objects.all())


class InvitationSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)
    email = serializers.EmailField()
    name = serializers.CharField(
        max_length=150,
        required=False,
        allow_blank=True,
        help_text="Empty for a teacher: the name of the teacher record.",
    )
    username = serializers.CharField(
        max_length=150,
        required=False,
        allow_blank=True,
        help_text="Empty: the e-mail address.",
    )
    teacher = ScopedField(
        "teams.Teacher",
        required=False,
        allow_null=True,
        help_text="For `role: teacher`: the teacher record (stationed in one of "
        "the caller's counties).",
    )
    school = ScopedField(
        "places.School",
        required=False,
        allow_null=True,
        help_text="For `role: school_staff`: an assisted school of the caller's "
        "counties.",
    )


TemporaryPasswordResponse = inline_serializer(
    name="TemporaryPasswordResponse",
    fields={"temporary_password": serializers.CharField()},
)


@extend_schema_view(
    list=extend_schema(
        summary="Accounts of teachers and school staff (coordinator, admin)",
        responses={200: PersonSerializer, **errors(403)},
    ),
    retrieve=read_one(
        "An account of a teacher or school staff (coordinator, admin)",
        PersonSerializer,
        codes=(403, 404),
    ),
    create=created(
        "Create an account for a teacher or school staff (coordinator, admin)",
        PersonSerializer,
        description="The account has no password: the person receives an e-mail "
        "with a one-time link to choose one (valid `ACCOUNT_INVITATION_TTL`) and "
        "cannot sign in before. `role` is `teacher` (with the `teacher` record) or "
        "`school_staff` (with the `school`), in the caller's counties; any other "
        "role is refused with 403. An e-mail address or username another account "
        "uses is refused with 400.",
        request=InvitationSerializer,
    ),
)
class PersonViewSet(_AccountList, ListCreateViewSet):
    """The accounts of the dispatched teachers and school staff of the caller's
    counties (every such account for an admin)."""

    serializer_class = PersonSerializer
    permission_classes = [permissions.IsAuthenticated, IsAccountManager]

    def get_queryset(self):
        return managed_accounts(
            self.request.user,
            User.objects.select_related("school", "teacher"),
        )

    def _link_base(self) -> str:
        return self.request.build_absolute_uri("/")

    def create(self, request, *args, **kwargs):
        body = InvitationSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        user = services.account_invite(
            actor=request.user, link_base=self._link_base(), **body.validated_data
        )
        fresh = self.get_queryset().get(pk=user.pk)
        return Response(
            PersonSerializer(fresh, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Send a new one-time link (coordinator, admin)",
        description="For an account still waiting for its password; the links sent "
        "before stop working. 409 once the password is set; 429 past "
        "`ACCOUNT_INVITATIONS_PER_HOUR` links an hour.",
        request=None,
        responses={
            200: PersonSerializer,
            **errors(400, 403, 404, 409),
            429: _TOO_MANY,
        },
    )
    @action(detail=True, methods=["post"], url_path="resend-invitation")
    def resend_invitation(self, request, pk=None):
        user = services.account_invitation_resend(
            actor=request.user, user=self.get_object(), link_base=self._link_base()
        )
        fresh = self.get_queryset().get(pk=user.pk)
        return Response(PersonSerializer(fresh, context={"request": request}).data)

    @transition(
        "Issue a temporary password (coordinator, admin)",
        TemporaryPasswordResponse,
        codes=(403, 404, 409),
        description="Returns the password, this once. The account's sessions and "
        "tokens end; at its next sign-in it must choose a new password "
        "(pages lead to the password page; the API answers 403 with `code: "
        "password_change_required` except `me/password/` and `auth/token/revoke/`).",
        request=None,
    )
    @action(detail=True, methods=["post"], url_path="temporary-password")
    def temporary_password(self, request, pk=None):
        password = services.account_temporary_password(
            actor=request.user, user=self.get_object()
        )
        response = Response({"temporary_password": password})
        response["Cache-Control"] = "no-store"
        return response


def register(router) -> list:
    """Add this app's viewsets to the v1 router; return any extra URL patterns."""
    router.register("users", UserViewSet, basename="user")
    router.register("people", PersonViewSet, basename="person")
    return [
        path("auth/token/", TokenView.as_view(), name="api-token"),
        path("auth/token/revoke/", TokenRevokeView.as_view(), name="api-token-revoke"),
        path("me/", MeView.as_view(), name="api-me"),
        path("me/password/", MePasswordView.as_view(), name="api-me-password"),
    ]
