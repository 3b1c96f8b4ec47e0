"""REST endpoints of the evaluation system (DESIGN section 6): frameworks, cycles,
evaluations and their results, rating tasks, certificates."""

from django.http import Http404
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts.policies import PolicyViewSetMixin
from accounts.scopes import visible
from common.errors import TransitionNotAllowed, conflict
from common.openapi import created, deleted, errors, read_one, transition
from common.serializers import optional_text
from common.viewsets import (
    ListCreatePatchViewSet,
    ListCreateViewSet,
    SerializerPerActionMixin,
)
from spreadsheets.workbooks import XLSX_CONTENT_TYPE

from . import appeals, cycles, frameworks, ratings
from .certificates import certificate_available, certificate_response
from .completion import completion_of
from .exports import results_response
from .models import (
    CycleStatus,
    Evaluation,
    Rating,
    RatingStatus,
)
from .policies import (
    CYCLE,
    EVALUATION_APPEAL,
    FRAMEWORK,
    RATING,
    appeal_rows,
    cycle_rows,
    framework_rows,
    rating_rows,
)
from .serializers import (
    AppealAnswerSerializer,
    AppealCreateSerializer,
    AppealSerializer,
    EvaluationCycleDetailSerializer,
    EvaluationCycleSerializer,
    EvaluationDetailSerializer,
    EvaluationSerializer,
    FrameworkSerializer,
    FrameworkWriteSerializer,
    RatingSerializer,
    RatingSubmitSerializer,
    ResultSerializer,
)

_SUBJECTS = ("teacher", "team", "school")


def _with_subjects(queryset):
    return queryset.select_related("cycle", "teacher", "team", "school")


# --- frameworks ------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Evaluation frameworks the caller may read",
        description=(
            "A coordinator reads the programme's frameworks and their counties'; "
            "everyone reads the frameworks of the cycles they may read."
        ),
    ),
    retrieve=read_one("An evaluation framework", FrameworkSerializer),
    create=created(
        "Create a framework (coordinators and admins)",
        FrameworkSerializer,
        description=(
            "Indicators as a flat list whose `parent` names the parent's code; the "
            "weights at each level must add up to 100, and so must the rater "
            "weights. `county` names the owner (a coordinator of several counties "
            "must name one); an admin who gives none makes a framework of the "
            "programme."
        ),
        request=FrameworkWriteSerializer,
    ),
    partial_update=transition(
        "Change a framework (its owners)",
        FrameworkSerializer,
        description="Owners only: the county's coordinators and the admins, or "
        "the admins for the programme's (403 for other readers). Nothing but "
        "`is_default` changes once a cycle using the framework is open (409).",
        request=FrameworkWriteSerializer,
    ),
    destroy=deleted("Delete a framework no cycle uses (its owners)"),
)
class FrameworkViewSet(PolicyViewSetMixin, viewsets.ModelViewSet):
    serializer_class = FrameworkSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filterset_fields = ["subject_type", "is_default"]
    search_fields = ["name", "description"]
    ordering_fields = ["name", "created_at", "subject_type"]
    ordering = ["subject_type", "name"]

    policy = FRAMEWORK

    def base_queryset(self):
        return framework_rows()

    def _write(self, partial: bool):
        serializer = FrameworkWriteSerializer(
            data=self.request.data, partial=partial, context={"request": self.request}
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "indicators" in data:
            data["indicators"] = [dict(row) for row in data["indicators"]]
        return data

    def create(self, request, *args, **kwargs):
        FRAMEWORK.check(request.user, "create")
        data = self._write(partial=False)
        framework = frameworks.framework_create(actor=request.user, **data)
        framework = self.get_queryset().get(pk=framework.pk)
        return Response(
            FrameworkSerializer(framework).data, status=status.HTTP_201_CREATED
        )

    def partial_update(self, request, *args, **kwargs):
        framework = self.get_object()
        if not FRAMEWORK.may(request.user, "update", framework):
            raise PermissionDenied(_("You may read this framework, not change it."))
        data = self._write(partial=True)
        data.pop("subject_type", None)
        if "county" in data and data.pop("county") != framework.county:
            raise serializers.ValidationError(
                {"county": [_("The owner of a framework cannot change.")]}
            )
        frameworks.framework_update(actor=request.user, framework=framework, **data)
        return Response(
            FrameworkSerializer(self.get_queryset().get(pk=framework.pk)).data
        )

    def destroy(self, request, *args, **kwargs):
        frameworks.framework_delete(actor=request.user, framework=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- cycles ----------------------------------------------------------------------


def _cycle_result(step: str, counts: list[str]):
    """What opening or closing a cycle answers: the cycle, and what the step counted."""
    return inline_serializer(
        name=f"Cycle{step}Result",
        fields={
            "cycle": EvaluationCycleSerializer(),
            "stats": inline_serializer(
                name=f"Cycle{step}Stats",
                fields={name: serializers.IntegerField() for name in counts},
            ),
        },
    )


_OpenStats = _cycle_result("Open", ["teachers", "teams", "schools", "rating_tasks"])
_CloseStats = _cycle_result("Close", ["scored", "no_data", "flagged"])

_BACKGROUND = (
    'With `{"background": true}` the work runs in a Celery task (for a big '
    "county): 202 now, the cycle's status changes when it is done."
)


class CycleRunSerializer(serializers.Serializer):
    background = serializers.BooleanField(required=False, default=False)


class CycleCloseSerializer(CycleRunSerializer):
    force = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Close below the minimum completion: the results are provisional.",
    )
    reason = optional_text(
        max_length=2000,
        help_text="Required with `force`: why the cycle closes early.",
    )


_Incomplete = inline_serializer(
    name="CycleCompletionTooLow",
    fields={
        "detail": serializers.CharField(),
        "status": serializers.CharField(),
        "code": serializers.CharField(),
        "completion": serializers.DictField(),
    },
)


_Queued = inline_serializer(
    name="CycleQueued",
    fields={
        "cycle": EvaluationCycleSerializer(),
        "queued": serializers.BooleanField(),
    },
)


@extend_schema_view(
    list=extend_schema(summary="Evaluation cycles in the caller's scope"),
    retrieve=read_one("An evaluation cycle", EvaluationCycleDetailSerializer),
    create=created(
        "Create a cycle (coordinator of the county)",
        EvaluationCycleSerializer,
        description="Frameworks default to the default framework of each kind.",
    ),
    partial_update=transition(
        "Change a cycle while it is a draft",
        EvaluationCycleSerializer,
    ),
)
class EvaluationCycleViewSet(
    PolicyViewSetMixin, SerializerPerActionMixin, ListCreatePatchViewSet
):
    serializer_class = EvaluationCycleSerializer
    serializer_classes = {"retrieve": EvaluationCycleDetailSerializer}
    filterset_fields = ["county", "status", "start_date", "end_date"]
    search_fields = ["name"]
    ordering_fields = ["start_date", "end_date", "name", "created_at"]
    ordering = ["-start_date", "-id"]

    policy = CYCLE

    def base_queryset(self):
        return cycle_rows()

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = {
            **self.get_serializer_context(),
            "completion": completion_of(page),
        }
        return self.get_paginated_response(
            EvaluationCycleSerializer(page, many=True, context=context).data
        )

    def perform_create(self, serializer):
        serializer.instance = cycles.cycle_create(
            actor=self.request.user, **serializer.validated_data
        )

    @staticmethod
    def _background(request) -> bool:
        serializer = CycleRunSerializer(data=request.data or {})
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data["background"]

    @staticmethod
    def _queued(cycle):
        return Response(
            {"cycle": EvaluationCycleSerializer(cycle).data, "queued": True},
            status=status.HTTP_202_ACCEPTED,
        )

    def perform_update(self, serializer):
        serializer.instance = cycles.cycle_update(
            actor=self.request.user,
            cycle=serializer.instance,
            **serializer.validated_data,
        )

    @extend_schema(
        summary="Open the cycle: create the evaluations and rating tasks",
        description=_BACKGROUND,
        request=CycleRunSerializer,
        responses={200: _OpenStats, 202: _Queued, **errors(403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def open(self, request, pk=None):
        return self._run(request, "open", cycles.cycle_open)

    @extend_schema(
        summary="Close the cycle: compute scores, grades and ranks",
        description=(
            "Refused with 409 and the `completion` figures while a subject has "
            "less than EVALUATION_MIN_COMPLETION of its rater weight submitted, "
            'unless `{"force": true, "reason": "..."}`: the results are then '
            "provisional and no certificate is issued. "
        )
        + _BACKGROUND,
        request=CycleCloseSerializer,
        responses={
            200: _CloseStats,
            202: _Queued,
            409: OpenApiResponse(
                response=_Incomplete,
                description=(
                    "The cycle is not open; or (`code` completion_too_low) a "
                    "subject is below the minimum completion: the figures are in "
                    "`completion`. Nothing changed."
                ),
            ),
            **errors(400, 403, 404),
        },
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        body = CycleCloseSerializer(data=request.data or {})
        body.is_valid(raise_exception=True)
        options = {
            "force": body.validated_data["force"],
            "reason": body.validated_data["reason"],
        }
        try:
            return self._run(request, "close", cycles.cycle_close, **options)
        except cycles.CompletionTooLow as exc:
            return conflict(exc, "completion_too_low", completion=exc.figures)

    def _run(self, request, action: str, service, **options) -> Response:
        """Open or close now, or queue it when the body asks for the background."""
        cycle = self.get_object()
        if self._background(request):
            cycles.cycle_enqueue(
                actor=request.user, cycle=cycle, action=action, **options
            )
            return self._queued(cycle)
        stats = service(actor=request.user, cycle=cycle, **options)
        cycle.refresh_from_db()
        return Response(
            {"cycle": EvaluationCycleSerializer(cycle).data, "stats": stats}
        )

    def _results(self, cycle):
        if cycle.status != CycleStatus.CLOSED:
            raise TransitionNotAllowed(
                _("evaluation cycle"),
                cycle.status,
                cycle.get_status_display(),
                _("show results"),
            )
        queryset = _with_subjects(
            visible(self.request.user, Evaluation.objects.filter(cycle=cycle))
        )
        subject_type = self.request.query_params.get("subject_type")
        if subject_type:
            queryset = queryset.filter(subject_type=subject_type)
        return queryset.order_by("subject_type", "rank", "id")

    @read_one(
        "Results of a closed cycle",
        ResultSerializer(many=True),
        codes=(404, 409),
        description="The evaluations the caller may see: coordinators see all of "
        "their county's, a teacher their own, school staff their school's.",
        parameters=[
            OpenApiParameter("subject_type", str, enum=["teacher", "team", "school"])
        ],
    )
    @action(detail=True, methods=["get"], serializer_class=ResultSerializer)
    def results(self, request, pk=None):
        queryset = self._results(self.get_object())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(ResultSerializer(page, many=True).data)

    @extend_schema(
        summary="Results of a closed cycle as .xlsx (Chinese headers)",
        parameters=[
            OpenApiParameter("subject_type", str, enum=["teacher", "team", "school"])
        ],
        responses={
            (200, XLSX_CONTENT_TYPE): OpenApiResponse(
                response=OpenApiTypes.BINARY, description="An .xlsx workbook."
            ),
            **errors(404, 409),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="results/export",
        url_name="results-export",
    )
    def export(self, request, pk=None):
        cycle = self.get_object()
        return results_response(cycle, self._results(cycle), user=request.user)


# --- evaluations -----------------------------------------------------------------


class EvaluationFilter(filters.FilterSet):
    class Meta:
        model = Evaluation
        fields = [
            "cycle",
            "subject_type",
            "status",
            "grade",
            "teacher",
            "team",
            "school",
        ]


@extend_schema_view(
    list=extend_schema(summary="Evaluations in the caller's scope"),
    retrieve=read_one(
        "An evaluation with its breakdown by indicator and rater",
        EvaluationDetailSerializer,
    ),
)
class EvaluationViewSet(SerializerPerActionMixin, viewsets.ReadOnlyModelViewSet):
    filterset_class = EvaluationFilter
    ordering_fields = ["score", "rank", "id"]
    ordering = ["cycle_id", "subject_type", "rank", "id"]

    serializer_class = EvaluationSerializer
    serializer_classes = {"retrieve": EvaluationDetailSerializer}

    def get_queryset(self):
        return _with_subjects(visible(self.request.user, Evaluation.objects.all()))

    @extend_schema(
        summary="The PDF certificate of an 优秀 result",
        responses={
            (200, "application/pdf"): OpenApiResponse(
                response=OpenApiTypes.BINARY, description="A PDF certificate."
            ),
            **errors(404),
        },
    )
    @action(detail=True, methods=["get"])
    def certificate(self, request, pk=None):
        evaluation = self.get_object()
        if not certificate_available(evaluation):
            raise Http404(_("This result has no certificate."))
        return certificate_response(evaluation)


# --- ratings ---------------------------------------------------------------------


class RatingFilter(filters.FilterSet):
    cycle = filters.NumberFilter(field_name="evaluation__cycle")
    subject_type = filters.CharFilter(field_name="evaluation__subject_type")

    class Meta:
        model = Rating
        fields = ["evaluation", "status", "rater_role", "cycle", "subject_type"]


@extend_schema_view(
    list=extend_schema(summary="The caller's own rating tasks"),
    retrieve=read_one("One of the caller's rating tasks", RatingSerializer),
    create=extend_schema(
        summary="Submit the scores of a rating task",
        description=(
            "`scores` maps every subjective indicator code to 0-100. Unknown or "
            "objective codes and scores out of range: 400; an evaluation the "
            "caller cannot see: 404; one they see but do not rate: 403; a cycle "
            "that is not open: 409. Nothing is stored on refusal. 201 the first "
            "time, 200 when the scores are replaced."
        ),
        request=RatingSubmitSerializer,
        responses={
            200: RatingSerializer,
            201: RatingSerializer,
            **errors(400, 403, 404, 409),
        },
    ),
)
class RatingViewSet(PolicyViewSetMixin, ListCreateViewSet):
    serializer_class = RatingSerializer
    filterset_class = RatingFilter
    ordering_fields = ["status", "submitted_at", "id"]
    ordering = ["status", "id"]

    policy = RATING

    def base_queryset(self):
        return rating_rows(self.request.user).prefetch_related("scores__indicator")

    def create(self, request, *args, **kwargs):
        serializer = RatingSubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        evaluation_id = serializer.validated_data["evaluation"]
        rating = (
            Rating.objects.select_related("evaluation__cycle")
            .filter(evaluation_id=evaluation_id, rater_id=request.user.pk)
            .order_by("id")
            .first()
        )
        if rating is None:
            seen = visible(request.user, Evaluation.objects.filter(pk=evaluation_id))
            if seen.exists():
                raise PermissionDenied(
                    _("You have no rating task for this evaluation.")
                )
            raise Http404
        first_time = rating.status == RatingStatus.PENDING
        ratings.rating_submit(
            actor=request.user,
            rating=rating,
            scores=serializer.validated_data["scores"],
            comment=serializer.validated_data.get("comment", ""),
        )
        rating = self.get_queryset().get(pk=rating.pk)
        return Response(
            RatingSerializer(rating).data,
            status=status.HTTP_201_CREATED if first_time else status.HTTP_200_OK,
        )


# --- appeals ---------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Appeals in the caller's scope"),
    retrieve=read_one("An appeal", AppealSerializer),
    create=created(
        "Appeal a result (the one evaluated)",
        AppealSerializer,
        codes=(400, 403, 404, 409),
        description=(
            "Within EVALUATION_APPEAL_DAYS after the cycle closed, one open appeal "
            "per result: 409 outside the window or while one is open; 403 for "
            "anyone but the one evaluated (the teacher, the school's staff, the "
            "team's leader)."
        ),
        request=AppealCreateSerializer,
    ),
)
class AppealViewSet(PolicyViewSetMixin, ListCreateViewSet):
    serializer_class = AppealSerializer
    filterset_fields = ["evaluation", "status"]
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]

    policy = EVALUATION_APPEAL

    def base_queryset(self):
        return appeal_rows()

    def create(self, request, *args, **kwargs):
        body = AppealCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        evaluation = (
            _with_subjects(visible(request.user, Evaluation.objects.all()))
            .filter(pk=body.validated_data["evaluation"])
            .first()
        )
        if evaluation is None:
            raise Http404
        appeal = appeals.appeal_create(
            actor=request.user,
            evaluation=evaluation,
            reason=body.validated_data["reason"],
        )
        return Response(
            AppealSerializer(self.get_queryset().get(pk=appeal.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @transition(
        "Answer an appeal (the county's coordinator), may revise the score",
        AppealSerializer,
        description=(
            "`answer` is required and is the reason of any revision; with `score` "
            "the result's score, grade and ranks change and the change is kept in "
            "the result's history. 409 when already answered."
        ),
        request=AppealAnswerSerializer,
    )
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        appeal = self.get_object()
        EVALUATION_APPEAL.check(request.user, "answer", appeal)
        body = AppealAnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        appeals.appeal_answer(
            actor=request.user,
            appeal=appeal,
            answer=body.validated_data["answer"],
            score=body.validated_data.get("score"),
        )
        return Response(AppealSerializer(self.get_queryset().get(pk=appeal.pk)).data)


def register(router) -> list:
    """Add this app's viewsets to the v1 router; return any extra URL patterns."""
    router.register("evaluation-frameworks", FrameworkViewSet, basename="framework")
    router.register(
        "evaluation-cycles", EvaluationCycleViewSet, basename="evaluationcycle"
    )
    router.register("evaluations", EvaluationViewSet, basename="evaluation")
    router.register("ratings", RatingViewSet, basename="rating")
    router.register("appeals", AppealViewSet, basename="appeal")
    return []
