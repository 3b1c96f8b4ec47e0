"""A fair rating load: raters rate only whom they worked with, a teacher rates at
most EVALUATION_MAX_PEER_TASKS team peers who served, chosen fairly and the same
way every time."""

from collections import Counter

from accounts.models import Role
from evaluations import cycles, scoring
from evaluations.models import Rating

from .. import factories as f
from .conftest import END, START, serve


def test_peer_tasks_are_capped_and_spread_evenly():
    candidates = {r: [s for s in range(10) if s != r] for r in range(10)}
    chosen = scoring.choose_peer_tasks(candidates, 5, seed=1)
    assert all(len(peers) == 5 for peers in chosen.values())
    received = Counter(s for peers in chosen.values() for s in peers)
    # 50 tasks over 10 subjects: each gets five peer raters, give or take one.
    assert all(4 <= n <= 6 for n in received.values())
    assert all(r not in peers for r, peers in chosen.items())
    assert scoring.choose_peer_tasks(candidates, 5, seed=1) == chosen
    assert scoring.choose_peer_tasks(candidates, 5, seed=2) != chosen


def test_a_rater_with_few_candidates_rates_them_all():
    chosen = scoring.choose_peer_tasks({1: [2], 2: [1, 3], 3: [2]}, 5, seed=0)
    assert chosen == {1: [2], 2: [1, 3], 3: [2]}


def test_a_big_team_gives_each_teacher_at_most_six_tasks(world, season, settings):
    settings.EVALUATION_MAX_PEER_TASKS = 5
    teachers = [world.teacher_a]
    for n in range(9):
        user = f.UserFactory(username=f"peer{n}", role=Role.TEACHER)
        teacher = f.TeacherFactory(
            name=f"同伴{n}", home_school=world.home, county=world.county_a, user=user
        )
        serve(world, teacher)
        teachers.append(teacher)
    season.team.members.add(*teachers)  # 王老师 stays in the team, unserved
    cycle = cycles.cycle_create(
        actor=world.users.coord_a,
        county=world.county_a,
        name="大团队",
        start_date=START,
        end_date=END,
    )
    cycles.cycle_open(actor=world.users.coord_a, cycle=cycle)
    ratings = Rating.objects.filter(evaluation__cycle=cycle)
    for teacher in teachers:
        mine = ratings.filter(rater=teacher.user)
        assert mine.filter(rater_role="peer").count() == 5
        assert mine.count() == 6  # five peers and themself
        assert set(mine.values_list("rater_role", flat=True)) == {"peer", "self"}
    peers_per_subject = Counter(
        ratings.filter(rater_role="peer").values_list("evaluation__teacher", flat=True)
    )
    assert all(4 <= n <= 6 for n in peers_per_subject.values())
    assert season.mate.pk not in peers_per_subject  # did not serve: not rated
    # School staff rate only the teachers who served their school.
    staff = ratings.filter(rater=world.users.staff_a)
    assert set(staff.values_list("evaluation__teacher", flat=True)) == {
        world.teacher_a.pk
    }
