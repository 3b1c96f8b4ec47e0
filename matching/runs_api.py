"""``matching-runs/`` and ``assignments/`` (DESIGN section 6).

Every queryset goes through ``accounts.scopes.visible``: an object outside the
caller's scope is 404 on every verb, and ``?need=`` / ``?teacher=`` with an id
outside it simply match nothing. Then 403 for a role that may not act, 409 for a
state that does not allow it, 400 for bad input; each refusal changes nothing."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.response import Response

from accounts.policies import PolicyViewSetMixin
from common.openapi import errors, read_one, transition
from common.viewsets import ListCreateViewSet, SerializerPerActionMixin, state_action

from . import assignments, runs
from .exports import AssignmentOrdering
from .models import Assignment, AssignmentStatus, MatchingRun, RunStatus
from .policies import ASSIGNMENT, RUN
from .serializers import (
    AssignmentSerializer,
    MatchingRunDetailSerializer,
    MatchingRunSerializer,
    MatchingRunStartSerializer,
    ReasonSerializer,
)


class MatchingRunFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=RunStatus.choices)
    county = filters.NumberFilter(field_name="county_id")
    parent = filters.NumberFilter(field_name="parent_id")

    class Meta:
        model = MatchingRun
        fields = ["status", "county", "parent"]


@extend_schema_view(
    list=extend_schema(
        summary="Matching runs of the caller's counties (admin: all)",
        responses={200: MatchingRunSerializer},
    ),
    retrieve=read_one(
        "A matching run: progress, statistics and the reasons of unmatched needs",
        MatchingRunDetailSerializer,
    ),
    create=extend_schema(
        summary="Start matching (coordinator: one of their counties; admin: any, or "
        "every county when `county` is omitted)",
        description="Answers 202 at once with the run's `id` and `status`; the run "
        "goes on in a worker. Poll `matching-runs/{id}/` for `status`, `progress` "
        "and, when done, `stats` and `unmatched`. A run of every county fans out "
        "one run per county with open needs (`parent` points back). Two runs of "
        "the same county at once: one works, the other ends `skipped`.",
        request=MatchingRunStartSerializer,
        responses={
            202: OpenApiResponse(MatchingRunSerializer, description="Queued."),
            **errors(400, 403),
        },
    ),
)
class MatchingRunViewSet(
    SerializerPerActionMixin,
    PolicyViewSetMixin,
    ListCreateViewSet,
):
    filterset_class = MatchingRunFilter
    ordering_fields = ["created_at", "finished_at", "id"]
    ordering = ["-created_at", "-id"]

    serializer_class = MatchingRunSerializer
    serializer_classes = {
        "retrieve": MatchingRunDetailSerializer,
        "create": MatchingRunStartSerializer,
    }

    policy = RUN

    def create(self, request, *args, **kwargs):
        RUN.check(request.user, "start")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        run = runs.matching_run_start(
            actor=request.user, county=serializer.validated_data.get("county")
        )
        run.refresh_from_db()
        data = MatchingRunSerializer(run, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_202_ACCEPTED)


class AssignmentFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=AssignmentStatus.choices)
    # Plain ids, filtered inside the caller's scope: an id outside it matches
    # nothing and reveals nothing.
    need = filters.NumberFilter(field_name="need_id")
    teacher = filters.NumberFilter(field_name="teacher_id")
    run = filters.NumberFilter(field_name="run_id")
    school = filters.NumberFilter(field_name="need__school_id")
    county = filters.NumberFilter(field_name="need__school__county_id")

    class Meta:
        model = Assignment
        fields = ["status", "need", "teacher", "run", "school", "county"]


def _assignment_action(verb: str, service, summary: str, *, reason=False, **kwargs):
    """A decision on an assignment: the policy's check, a ``reason`` where it needs
    one, the service, the assignment as it now is."""
    return state_action(
        verb,
        service,
        subject="assignment",
        body=ReasonSerializer if reason else None,
        schema=transition(
            summary,
            AssignmentSerializer,
            request=ReasonSerializer if reason else None,
        ),
        **kwargs,
    )


@extend_schema_view(
    list=extend_schema(summary="Assignments (proposals and decisions) in scope"),
    retrieve=read_one("An assignment with its score breakdown", AssignmentSerializer),
)
class AssignmentViewSet(
    AssignmentOrdering, PolicyViewSetMixin, viewsets.ReadOnlyModelViewSet
):
    """Proposals of the matching runs and what became of them. Coordinators (and
    admins) accept, decline, complete and cancel; a teacher accepts or declines
    their own proposals; school staff read their school's."""

    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilter

    policy = ASSIGNMENT

    def base_queryset(self):
        return Assignment.objects.select_related("need__school", "teacher")

    def _answer(self, assignment: Assignment) -> Response:
        fresh = self.get_queryset().get(pk=assignment.pk)
        return Response(
            AssignmentSerializer(fresh, context=self.get_serializer_context()).data
        )

    accept = _assignment_action(
        "accept",
        assignments.assignment_accept,
        "Accept a proposal (fills one place of the need)",
    )
    decline = _assignment_action(
        "decline",
        assignments.assignment_decline,
        "Decline a proposal, with a reason",
        reason=True,
    )
    complete = _assignment_action(
        "complete",
        assignments.assignment_complete,
        "Mark an accepted assignment completed (coordinator)",
    )
    cancel = _assignment_action(
        "cancel",
        assignments.assignment_cancel,
        "Cancel an accepted assignment, with a reason (coordinator)",
        reason=True,
    )
    clear_decline = _assignment_action(
        "clear_decline",
        assignments.assignment_clear_decline,
        "Let matching propose a declined pair again (coordinator)",
        url_path="clear-decline",
    )


def register_runs(router) -> None:
    router.register("matching-runs", MatchingRunViewSet, basename="matching-run")
    router.register("assignments", AssignmentViewSet, basename="assignment")
