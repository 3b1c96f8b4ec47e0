"""REST endpoints of this app (DESIGN section 6): ``auth/token/``, ``me/`` and
``users/`` (programme admins only)."""

from django.apps import apps
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import Throttled
from rest_framework.response import Response
from rest_framework.views import APIView

from common.openapi import DetailError, errors
from needs.models import County, School

from . import services
from .models import Role, User
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
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "role",
            "counties",
            "school",
            "teacher",
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

    @extend_schema(
        summary="Revoke this API token",
        description="Ends the token sent in `Authorization: Token <token>` at once; "
        "other tokens of the account stay valid. Every token also ends "
        "`API_TOKEN_TTL` after it was issued (30 days unless configured), and all "
        "of an account's tokens end when its password changes or it is "
        "deactivated.",
        request=None,
        responses={204: None, **errors(401)},
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


@extend_schema_view(
    list=extend_schema(
        summary="Accounts (admin)", responses={200: UserSerializer, **errors(403)}
    ),
    retrieve=extend_schema(
        summary="An account (admin)",
        responses={200: UserSerializer, **errors(403, 404)},
    ),
    create=extend_schema(
        summary="Create an account (admin)",
        description="Setting `teacher` links that teacher record to the account.",
        responses={201: UserSerializer, **errors(400, 403)},
    ),
    partial_update=extend_schema(
        summary="Change an account (admin)",
        responses={200: UserSerializer, **errors(400, 403, 404)},
    ),
)
class UserViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    http_method_names = ["get", "post", "patch", "head", "options"]
    serializer_class = UserSerializer
    permission_classes = [permissions.IsAuthenticated, IsProgrammeAdmin]
    filterset_fields = ["role", "school", "is_active"]
    search_fields = ["username", "first_name", "last_name", "email"]
    ordering_fields = ["username", "date_joined", "last_login", "id"]
    ordering = ["username"]

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


def register(router) -> list:
    """Add this app's viewsets to the v1 router; return any extra URL patterns."""
    router.register("users", UserViewSet, basename="user")
    return [
        path("auth/token/", TokenView.as_view(), name="api-token"),
        path("auth/token/revoke/", TokenRevokeView.as_view(), name="api-token-revoke"),
        path("me/", MeView.as_view(), name="api-me"),
    ]
