"""Each resource with a policy is found one way, by pages and API alike: the API's
view-set reaches one object through the policy's ``access`` (PolicyViewSetMixin),
the call behind each app's ``access_<resource>`` that the pages make."""

import pytest

from accounts.policies import PolicyViewSetMixin
from activities.api import ActivityViewSet
from activities.policies import ACTIVITY
from evaluations.api import (
    AppealViewSet,
    EvaluationCycleViewSet,
    FrameworkViewSet,
    RatingViewSet,
)
from evaluations.policies import CYCLE, EVALUATION_APPEAL, FRAMEWORK, RATING
from matching.policies import ASSIGNMENT, RUN
from matching.runs_api import AssignmentViewSet, MatchingRunViewSet
from needs.api import NeedViewSet
from needs.policies import NEED
from planning.api import ScenarioViewSet
from planning.policies import SCENARIO, TEAM_PROPOSAL
from planning.proposal_api import TeamProposalViewSet
from teams.api import TeacherViewSet, TeamViewSet
from teams.policies import TEACHER, TEAM


@pytest.mark.parametrize(
    ("viewset", "policy"),
    [
        (NeedViewSet, NEED),
        (AssignmentViewSet, ASSIGNMENT),
        (MatchingRunViewSet, RUN),
        (EvaluationCycleViewSet, CYCLE),
        (RatingViewSet, RATING),
        (AppealViewSet, EVALUATION_APPEAL),
        (ActivityViewSet, ACTIVITY),
        (FrameworkViewSet, FRAMEWORK),
        (TeamViewSet, TEAM),
        (TeacherViewSet, TEACHER),
        (ScenarioViewSet, SCENARIO),
        (TeamProposalViewSet, TEAM_PROPOSAL),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_the_api_finds_the_resource_through_its_policy(viewset, policy):
    assert issubclass(viewset, PolicyViewSetMixin)
    assert viewset.policy is policy
    # Nothing below the mixin finds the object another way.
    for cls in viewset.__mro__[: viewset.__mro__.index(PolicyViewSetMixin)]:
        assert "get_object" not in vars(cls), cls
        assert "get_queryset" not in vars(cls), cls
