"""REST endpoints of this app (DESIGN section 6): counties, schools, the specialty
catalogue, and needs with their state actions.

Every queryset goes through ``accounts.scopes.visible``: an object outside the caller's
scope is 404 on every verb. The order of answers is 401 (no credentials), 404 (outside
the scope), 403 (the role may not do this), 409 (the state does not allow it), 400
(bad input); each refusal changes nothing."""

from django.db.models import Prefetch
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404 as drf_get_object_or_404
from rest_framework.response import Response

from accounts.policies import PolicyViewSetMixin
from accounts.scopes import thread_needs, visible
from common.openapi import changed, created, deleted, errors, read_one, transition
from common.pagination import StandardPagination
from common.viewsets import (
    ListCreatePatchViewSet,
    SerializerPerActionMixin,
    ServiceWritesMixin,
    state_action,
)
from places.models import County, School

from . import services
from .attachments import evidence_download
from .filters import CountyFilter, NeedFilter, SchoolFilter, SpecialtyFilter
from .goals import (
    CONFIRM,
    MARK,
    goal_confirm,
    goal_mark,
    goals_with_marks,
    marks_prefetch,
)
from .imports import NeedExportMixin
from .models import (
    GoalMarkAttachment,
    Need,
    NeedCommentAttachment,
    NeedTransition,
    PlanGoal,
    Specialty,
    SpecialtyFamily,
)
from .policies import GOAL, NEED
from .serializers import (
    CountySerializer,
    GoalConfirmInputSerializer,
    GoalMarkInputSerializer,
    NeedCancelSerializer,
    NeedCommentSerializer,
    NeedConfirmSerializer,
    NeedDetailSerializer,
    NeedReopenSerializer,
    NeedReviewSerializer,
    NeedSerializer,
    PlanGoalDetailSerializer,
    SchoolSerializer,
    SpecialtyFamilySerializer,
    SpecialtySerializer,
    ThreadCommentPostSerializer,
    ThreadCommentSerializer,
)
from .threads import need_comment_post


class AdminWritesOnly(permissions.BasePermission):
    """Anyone signed in reads (within scope); only programme admins write. On a
    detail route the decision waits for the object, so an object outside the
    caller's scope answers 404 before any 403."""

    message = _("Only programme admins may change this.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS or getattr(view, "detail", False):
            return True
        return user.is_admin

    def has_object_permission(self, request, view, obj) -> bool:
        return request.method in permissions.SAFE_METHODS or request.user.is_admin


class _AdminWritesViewSet(ServiceWritesMixin, ListCreatePatchViewSet):
    permission_classes = [permissions.IsAuthenticated, AdminWritesOnly]


@extend_schema_view(
    list=extend_schema(
        summary="Counties in the caller's scope", responses={200: CountySerializer}
    ),
    retrieve=read_one("A county", CountySerializer),
    create=created("Add a county (admin)", CountySerializer),
    partial_update=changed("Change a county (admin)", CountySerializer),
)
class CountyViewSet(_AdminWritesViewSet):
    serializer_class = CountySerializer
    filterset_class = CountyFilter
    search_fields = ["name", "province", "code"]
    ordering_fields = ["name", "province", "code", "id"]
    ordering = ["province", "name"]

    create_service = services.county_create
    update_service = services.county_update
    subject = "county"

    def get_queryset(self):
        return visible(self.request.user, County.objects.all())


@extend_schema_view(
    list=extend_schema(
        summary="Schools in the caller's scope", responses={200: SchoolSerializer}
    ),
    retrieve=read_one("A school", SchoolSerializer),
    create=created("Add a school (admin)", SchoolSerializer),
    partial_update=changed("Change a school (admin)", SchoolSerializer),
)
class SchoolViewSet(_AdminWritesViewSet):
    serializer_class = SchoolSerializer
    filterset_class = SchoolFilter
    search_fields = ["name"]
    ordering_fields = ["name", "county", "kind", "id"]
    ordering = ["county_id", "name"]

    create_service = services.school_create
    update_service = services.school_update
    subject = "school"

    def get_queryset(self):
        return visible(self.request.user, School.objects.select_related("county"))


@extend_schema_view(
    list=extend_schema(summary="The 19 specialty families (专业大类)"),
    retrieve=read_one("A specialty family", SpecialtyFamilySerializer),
)
class SpecialtyFamilyViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = SpecialtyFamilySerializer
    search_fields = ["code", "name", "name_en"]
    ordering_fields = ["code", "name", "id"]
    ordering = ["code"]

    def get_queryset(self):
        return visible(self.request.user, SpecialtyFamily.objects.all())


@extend_schema_view(
    list=extend_schema(
        summary="The specialty catalogue",
        description="The 2021 catalogue (中等职业教育专业目录): `?family=` takes a "
        "family's code (e.g. `73`) or id, `?class=` a class's code (e.g. `7102`) or "
        "id; `search` looks in codes, names, former names and pinyin initials "
        "(`dzsw` finds 电子商务). Retired entries (kept for the records that use "
        "them) are listed only with `?retired=true`; each can always be read by id.",
    ),
    retrieve=read_one("A specialty", SpecialtySerializer),
)
class SpecialtyViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = SpecialtySerializer
    filterset_class = SpecialtyFilter
    search_fields = ["code", "name", "aliases", "initials"]
    ordering_fields = ["code", "name", "id"]
    ordering = ["code"]

    def get_queryset(self):
        queryset = Specialty.objects.select_related("family", "specialty_class")
        if self.action == "list" and "retired" not in self.request.query_params:
            queryset = queryset.current()
        return visible(self.request.user, queryset)


@extend_schema_view(
    list=extend_schema(
        summary="Needs in the caller's scope",
        description="Filters are named after the fields; date ranges use "
        "`start_date_after`, `start_date_before`, `end_date_after`, `end_date_before`;"
        " `search` looks in titles and descriptions.",
    ),
    retrieve=read_one(
        "A need with its diagnosis, plan goals and timeline",
        NeedDetailSerializer,
    ),
    create=created(
        "Post a need (school staff: their own school; admin)",
        NeedDetailSerializer,
        request=NeedSerializer,
    ),
    partial_update=transition(
        "Edit a draft need",
        NeedDetailSerializer,
        request=NeedSerializer,
    ),
    destroy=deleted("Delete a draft need"),
)
class NeedViewSet(
    SerializerPerActionMixin,
    PolicyViewSetMixin,
    NeedExportMixin,
    mixins.DestroyModelMixin,
    ListCreatePatchViewSet,
):
    """Needs: school staff post and follow their school's needs; coordinators review
    their counties' needs; teachers read the needs they are assigned to."""

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filterset_class = NeedFilter
    search_fields = ["title", "description"]
    ordering_fields = [
        "created_at",
        "submitted_at",
        "start_date",
        "end_date",
        "urgency",
        "priority_score",
        "headcount",
        "title",
        "status",
        "id",
    ]
    ordering = ["-created_at", "-id"]

    serializer_class = NeedDetailSerializer
    serializer_classes = {
        "list": NeedSerializer,
        "review": NeedReviewSerializer,
        "cancel": NeedCancelSerializer,
        "submit": NeedCommentSerializer,
        "confirm": NeedConfirmSerializer,
        "reopen": NeedReopenSerializer,
        "mark_goal": GoalMarkInputSerializer,
        "confirm_goal": GoalConfirmInputSerializer,
        "create": NeedSerializer,
        "partial_update": NeedSerializer,
    }

    policy = NEED

    def base_queryset(self):
        queryset = Need.objects.select_related(
            "school", "specialty__family", "diagnosis"
        )
        if self.action == "list":
            queryset = queryset.prefetch_related("goals")
        else:
            queryset = queryset.prefetch_related(
                goals_with_marks(),
                Prefetch(
                    "transitions",
                    queryset=NeedTransition.objects.select_related("actor"),
                ),
            ).with_people()
        return queryset

    def _answer(self, need: Need, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=need.pk)
        data = NeedDetailSerializer(fresh, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    def create(self, request, *args, **kwargs):
        NEED.check(request.user, "create")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        need = services.need_create(actor=request.user, **serializer.validated_data)
        return self._answer(need, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        need = self.get_object()
        NEED.check(request.user, "update", need)
        serializer = self.get_serializer(need, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        need = services.need_update(
            need=need, actor=request.user, data=serializer.validated_data
        )
        return self._answer(need)

    def destroy(self, request, *args, **kwargs):
        services.need_delete(need=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    submit = state_action(
        "submit",
        services.need_submit,
        subject="need",
        body=NeedCommentSerializer,
        schema=transition(
            "Submit a draft for review (school staff, coordinator)",
            NeedDetailSerializer,
            request=NeedCommentSerializer,
        ),
    )

    review = state_action(
        "review",
        services.need_review,
        subject="need",
        body=NeedReviewSerializer,
        schema=transition(
            "Review a submitted need (coordinator)",
            NeedDetailSerializer,
            description="`approve` (needs the diagnosis) gives `open` with the "
            "priority score computed from the diagnosis; `return` (needs a comment) "
            "gives `draft`; `reject` (needs a reason in `comment`) gives `rejected`.",
            request=NeedReviewSerializer,
        ),
    )

    cancel = state_action(
        "cancel",
        services.need_cancel,
        subject="need",
        body=NeedCancelSerializer,
        schema=transition(
            "Cancel a need before it is fulfilled (reason required)",
            NeedDetailSerializer,
            request=NeedCancelSerializer,
        ),
    )

    confirm = state_action(
        "confirm",
        services.need_confirm,
        subject="need",
        body=NeedConfirmSerializer,
        schema=transition(
            "Confirm a matched need is fulfilled (school staff)",
            NeedDetailSerializer,
            description="Once the window has started and an activity is logged; "
            "before that, or without any activity, `reason` is required (400).",
            request=NeedConfirmSerializer,
        ),
    )

    def _thread_need(self, pk) -> Need:
        # DRF's helper: a pk that is not a number is a 404 too, not a server error.
        return drf_get_object_or_404(
            thread_needs(self.request.user, Need.objects.all()), pk=pk
        )

    @extend_schema(
        methods=["GET"],
        summary="The need's thread, oldest first",
        description="Readable by the school's staff, the county's coordinators, "
        "admins and the teachers proposed on, serving or having served the need; "
        "404 for anyone else.",
        responses={200: ThreadCommentSerializer(many=True), **errors(404)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Post to the need's thread, with optional evidence files",
        description='JSON `{"text"}` or `multipart/form-data` with `text` and '
        "`attachments` once per file: JPEG, PNG, WebP or PDF, checked from the "
        "bytes, at most `ATTACHMENT_MAX_BYTES` (10 MB) each and "
        "`ATTACHMENT_MAX_FILES` per message. Whoever may read may post.",
        request={
            "application/json": ThreadCommentPostSerializer,
            "multipart/form-data": ThreadCommentPostSerializer,
        },
        responses={201: ThreadCommentSerializer, **errors(400, 404)},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        filter_backends=[],
        pagination_class=StandardPagination,
    )
    def comments(self, request, pk=None):
        need = self._thread_need(pk)
        if request.method == "POST":
            data = ThreadCommentPostSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            comment = need_comment_post(
                need=need,
                actor=request.user,
                text=data.validated_data["text"],
                files=data.validated_data["attachments"],
            )
            comment = self._comments(need).get(pk=comment.pk)
            return Response(
                ThreadCommentSerializer(comment, context={"request": request}).data,
                status=status.HTTP_201_CREATED,
            )
        page = self.paginate_queryset(self._comments(need))
        data = ThreadCommentSerializer(page, many=True, context={"request": request})
        return self.get_paginated_response(data.data)

    def _comments(self, need):
        return need.comments.select_related("author").prefetch_related("attachments")

    # --- plan goals: marked by the school and the serving teachers, confirmed by
    # the county (rules in needs.goals)

    def _goal(self, goal_id) -> PlanGoal:
        need = self.get_object()
        goal = drf_get_object_or_404(PlanGoal.objects.filter(need=need), pk=goal_id)
        goal.need = need
        return goal

    def _goal_answer(self, request, goal: PlanGoal) -> Response:
        fresh = PlanGoal.objects.prefetch_related(marks_prefetch()).get(pk=goal.pk)
        fresh.need = goal.need
        context = self.get_serializer_context()
        return Response(PlanGoalDetailSerializer(fresh, context=context).data)

    @transition(
        "Mark a plan goal met, partly met or not met",
        PlanGoalDetailSerializer,
        description="The need's school's staff and the teachers with an accepted or "
        "completed assignment on it (403 for other roles that see the need), once "
        "the need is `matched` or `fulfilled` and its window has started (409 "
        "before). `note` is required; evidence files as in the thread "
        "(multipart, `attachments` once per file). The mark waits (`state`: "
        '"waiting", 待确认) until the county\'s coordinator confirms it; only '
        "confirmed outcomes count in evaluations.",
        parameters=[
            OpenApiParameter("goal_id", int, OpenApiParameter.PATH, description="Goal.")
        ],
        request={
            "application/json": GoalMarkInputSerializer,
            "multipart/form-data": GoalMarkInputSerializer,
        },
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"goals/(?P<goal_id>[0-9]+)/mark",
        filter_backends=[],
    )
    def mark_goal(self, request, pk=None, goal_id=None):
        goal = self._goal(goal_id)
        GOAL.check(request.user, MARK, goal)
        data = GoalMarkInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        goal = goal_mark(
            goal=goal,
            actor=request.user,
            outcome=data.validated_data["outcome"],
            note=data.validated_data["note"],
            files=data.validated_data["attachments"],
        )
        return self._goal_answer(request, goal)

    @transition(
        "Confirm or correct a goal's mark (coordinator)",
        PlanGoalDetailSerializer,
        description="The coordinators of the need's county confirm the mark that "
        "waits (409 when none waits, or the need is not matched or fulfilled with "
        "its window started). An `outcome` other than the one marked corrects it "
        "and needs a `note` (400 without). The confirmed outcome is what the "
        "evaluation counts: met 1, partly met 0.5, not met 0.",
        parameters=[
            OpenApiParameter("goal_id", int, OpenApiParameter.PATH, description="Goal.")
        ],
        request=GoalConfirmInputSerializer,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"goals/(?P<goal_id>[0-9]+)/confirm",
        filter_backends=[],
    )
    def confirm_goal(self, request, pk=None, goal_id=None):
        goal = self._goal(goal_id)
        GOAL.check(request.user, CONFIRM, goal)
        data = GoalConfirmInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        goal = goal_confirm(goal=goal, actor=request.user, **data.validated_data)
        return self._goal_answer(request, goal)

    reopen = state_action(
        "reopen",
        services.need_reopen,
        subject="need",
        body=NeedReopenSerializer,
        schema=transition(
            "Reopen a fulfilled need (coordinator, reason required)",
            NeedDetailSerializer,
            description="`fulfilled` to `matched`, within `NEED_REOPEN_DAYS` (30) of "
            "the confirmation; later, 409.",
            request=NeedReopenSerializer,
        ),
    )


comment_attachment = evidence_download(
    of="a need's thread",
    readers="may read the thread",
    attachments=lambda user: visible(user, NeedCommentAttachment.objects.all()),
)

goal_mark_attachment = evidence_download(
    of="a plan goal's mark",
    readers="may see the need",
    attachments=lambda user: GoalMarkAttachment.objects.filter(
        mark__goal__need__in=visible(user, Need.objects.all())
    ),
)


def register(router) -> list:
    """Add this app's viewsets to the v1 router; return any extra URL patterns."""
    router.register("counties", CountyViewSet, basename="county")
    router.register("schools", SchoolViewSet, basename="school")
    router.register(
        "specialty-families", SpecialtyFamilyViewSet, basename="specialty-family"
    )
    router.register("specialties", SpecialtyViewSet, basename="specialty")
    router.register("needs", NeedViewSet, basename="need")
    return [
        path(
            "attachments/comments/<int:pk>/",
            comment_attachment,
            name="comment-attachment",
        ),
        path(
            "attachments/goal-marks/<int:pk>/",
            goal_mark_attachment,
            name="goal-mark-attachment",
        ),
    ]
