"""``team-proposals/`` (DESIGN section 6): propose a team, shape it, confirm it.

Only the coordinators of the proposal's county and admins see a proposal (404 for
everyone else); 409 when the proposal is no longer ``proposed`` or when what it
relied on has changed (``changes`` lists what)."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.policies import PolicyViewSetMixin
from accounts.scopes import visible
from common.errors import conflict
from common.openapi import created, read_one, transition
from common.viewsets import SerializerPerActionMixin, state_action
from places.models import County, School
from teams.models import Teacher

from . import proposals
from .models import TeamProposal
from .policies import TEAM_PROPOSAL


class ProposalMemberSerializer(serializers.ModelSerializer):
    home_school_name = serializers.CharField(source="home_school.name")

    class Meta:
        model = Teacher
        fields = ["id", "name", "title", "home_school", "home_school_name", "can_lead"]


class TeamProposalSerializer(serializers.ModelSerializer):
    members = ProposalMemberSerializer(many=True, read_only=True)
    actions = serializers.SerializerMethodField()

    class Meta:
        model = TeamProposal
        fields = [
            "id",
            "county",
            "school",
            "start_date",
            "end_date",
            "min_size",
            "max_size",
            "status",
            "members",
            "leader",
            "coverage",
            "score",
            "best_score",
            "optimal",
            "gap",
            "solve_seconds",
            "problems",
            "team",
            "created_at",
            "actions",
        ]

    def get_actions(self, obj) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        return TEAM_PROPOSAL.allowed_actions(request.user, obj)


class TeamProposalDetailSerializer(TeamProposalSerializer):
    alternatives = serializers.SerializerMethodField()

    class Meta(TeamProposalSerializer.Meta):
        fields = [*TeamProposalSerializer.Meta.fields, "alternatives"]

    def get_alternatives(self, obj) -> dict:
        """Per member id: the best replacements ``[{"teacher", "name", "score",
        "change"}]`` (only while the proposal is ``proposed``)."""
        if obj.status != "proposed":
            return {}
        return {
            str(member): [
                {
                    "teacher": a.teacher.id,
                    "name": a.teacher.name,
                    "score": a.score,
                    "change": a.change,
                }
                for a in options
            ]
            for member, options in proposals.alternatives(obj).items()
        }


class _ScopedField(serializers.PrimaryKeyRelatedField):
    """An id among the objects the caller may see (others: 'does not exist')."""

    def get_queryset(self):
        return visible(self.context["request"].user, super().get_queryset())


class TeamProposalCreateSerializer(serializers.Serializer):
    school = _ScopedField(queryset=School.objects.all(), required=False)
    county = _ScopedField(queryset=County.objects.all(), required=False)
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    min_size = serializers.IntegerField(min_value=1, max_value=20, default=3)
    max_size = serializers.IntegerField(min_value=1, max_value=20, default=8)


class SwapSerializer(serializers.Serializer):
    member = serializers.PrimaryKeyRelatedField(queryset=Teacher.objects.all())
    replacement = serializers.PrimaryKeyRelatedField(queryset=Teacher.objects.all())


class LeaderSerializer(serializers.Serializer):
    leader = serializers.PrimaryKeyRelatedField(queryset=Teacher.objects.all())


class ConfirmSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)


def _schema(summary: str, request=None):
    return transition(summary, TeamProposalDetailSerializer, request=request)


@extend_schema_view(
    list=extend_schema(summary="Team proposals of the caller's counties"),
    retrieve=read_one(
        "A team proposal with each member's best alternatives",
        TeamProposalDetailSerializer,
    ),
    create=created(
        "Propose a team for a school (or a county's schools) and a period",
        TeamProposalDetailSerializer,
        description="Solved exactly (CP-SAT) under a time limit: `optimal` says "
        "whether the answer is proven, `gap` how far it may be from the best. An "
        "infeasible request answers 201 with `status: infeasible` and `problems` "
        "saying why.",
        request=TeamProposalCreateSerializer,
    ),
)
class TeamProposalViewSet(
    SerializerPerActionMixin,
    PolicyViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    policy = TEAM_PROPOSAL
    ordering_fields = ["created_at", "score", "id"]
    ordering = ["-created_at", "-id"]

    def base_queryset(self):
        return TeamProposal.objects.select_related("county", "school").prefetch_related(
            "members__home_school"
        )

    serializer_class = TeamProposalDetailSerializer
    serializer_classes = {
        "create": TeamProposalCreateSerializer,
        "list": TeamProposalSerializer,
    }

    def _answer(self, proposal, code=status.HTTP_200_OK) -> Response:
        fresh = self.base_queryset().get(pk=proposal.pk)
        data = TeamProposalDetailSerializer(
            fresh, context=self.get_serializer_context()
        ).data
        return Response(data, status=code)

    def create(self, request, *args, **kwargs):
        TEAM_PROPOSAL.check(request.user, "create")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        proposal = proposals.team_proposal_create(
            actor=request.user, **serializer.validated_data
        )
        return self._answer(proposal, status.HTTP_201_CREATED)

    def _act(self, action_name: str, payload_class, request):
        proposal = self.get_object()
        TEAM_PROPOSAL.check(request.user, action_name, proposal)
        payload = payload_class(data=request.data)
        payload.is_valid(raise_exception=True)
        return proposal, payload.validated_data

    swap = state_action(
        "swap",
        proposals.team_proposal_swap,
        subject="proposal",
        body=SwapSerializer,
        schema=_schema("Put another teacher in a member's place", SwapSerializer),
    )
    leader = state_action(
        "leader",
        proposals.team_proposal_set_leader,
        subject="proposal",
        body=LeaderSerializer,
        policy_action="set_leader",
        schema=_schema("Make another member the leader", LeaderSerializer),
    )

    @_schema("Form the team and propose its assignments", ConfirmSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        proposal, data = self._act("confirm", ConfirmSerializer, request)
        try:
            proposal = proposals.team_proposal_confirm(
                actor=request.user, proposal=proposal, **data
            )
        except proposals.SituationChanged as exc:
            return conflict(exc, "situation_changed", changes=exc.changes)
        return self._answer(proposal)


def register_proposals(router) -> None:
    router.register("team-proposals", TeamProposalViewSet, basename="team-proposal")
