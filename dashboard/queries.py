"""The coordinator dashboard's figures, computed in the database.

Every figure is an aggregate (``COUNT``/``SUM`` with conditional filters, a
percentile for the median) over the needs, schools, teachers, activities and
evaluations of the chosen counties. :func:`dashboard_figures` runs the same fixed
number of queries (:data:`QUERY_COUNT`) whatever the size of the data: nothing is
loaded row by row except one row per assisted school and per specialty family.

Scope
-----
The dashboard is a county-level view. Which counties a user may look at is decided
by :func:`accounts.scopes.visible` on ``County`` (admins: every county; coordinators:
theirs); other roles have no dashboard (:func:`may_view_dashboard`). The callers
resolve the counties through :func:`dashboard_counties` and every figure below is
restricted to those county ids.

Period
------
``start`` and ``end`` are optional dates (inclusive). A need belongs to the period
when its service window ``[start_date, end_date]`` overlaps it, as in the evaluation
cycles; an activity when its date is in it; a teacher counts as supply when their
availability overlaps it (without a start: when it has not ended before today).

Figures
-------
needs_by_status         needs of the period per state (every state, zeros included)
schools_total           assisted schools of the counties
schools_served          of those, schools with an accepted or completed assignment on
                        a need of the period; ``schools_unserved`` lists the others
fill_rate               places filled / headcount, over the approved needs (open,
                        matched, fulfilled) of the period; ``None`` without any
median_days_to_match    median of ``matched_at - submitted_at`` in days over the
                        needs of the period that were matched (PostgreSQL
                        ``percentile_cont(0.5)``; elsewhere the same median through
                        window functions)
backlog                 submitted and open (approved, unfilled) needs by age since
                        submission: under 7 days, 7-30, 30-90, 90 and more
supply_demand           per specialty family: demand = open headcount (headcount -
                        filled - proposed) of the open needs; supply = free
                        capacity (capacity minus live, i.e. proposed or accepted,
                        assignments; never
                        below 0) of the active teachers stationed in the counties
                        with a skill in that family. A teacher with skills in
                        several families counts in each, so supplies do not add up.
                        A place already proposed to a teacher is in neither: it is
                        neither unmet demand nor free supply until it is decided.
local_teachers_reached, students_reached, activity_hours, activities
                        sums over the undisputed activities of the period
grade_distribution      results of the last closed evaluation cycle of each county
                        (the last to start before the period's end): evaluations
                        per grade and subject type
engagement              assisted schools ranked by engagement (see below)

The eight queries (when computed; from the cache, one: see "Cache"): needs
grouped by state and family (states, fill rate, backlog, demand; from the
tallies without a period, see below); the places proposed per family; the
median; needs grouped by school (coverage, needs posted, confirmations); the
assisted schools with their goals, rating tasks and last evaluation score; the
families with their supply; the activities (their tallies); the grades. On
PostgreSQL with 100,000 needs see ``manage.py bench_dashboard``.

Tallies
-------
The passes that grow with the data are read from running tallies
(:mod:`dashboard.models`) instead of the rows, without a period: the needs per
county, state and family; the waiting needs (the backlog) per county, state and
day of submission; the needs per school and key (state, served, returned,
submitted, confirmed on time, and for matched needs a recent end date); and, for
any period, the activities' sums per county and day. On PostgreSQL, triggers
(migration ``dashboard/0002``) add to them in the same transaction as every write
to the needs, assignments, state changes and activities, so a reader sees exactly
the rows committed so far, and a rolled-back write leaves no trace. Why this
design, and not another:

- the tallies are INSERT-only: a statement adds one row per key it changes (its
  difference, ``+`` for new rows and ``-`` for old ones), and no writer ever
  updates a shared counter row. A counter row per county would make every two
  transactions that touch needs of one county wait for each other until commit
  (and deadlock when they touch two keys in opposite orders); a cache keyed by a
  data version would be right but useless under the steady trickle of writes
  the soak shows. Readers sum the rows of a key, which is cheap while they are
  few: :func:`dashboard.tallies.compact` (task ``dashboard.compact_tallies``,
  every ten minutes) folds them into one per key, in one statement;
- whether a need is served or was returned depends on its assignments and state
  changes: each need's key is kept in ``dashboard_needkey``, and a write to a
  need, to an assignment that serves it (or served it) or to a state change that
  returns it recomputes the key from the rows, the needs concerned locked first
  (in id order, as the capacity guard of ``matching/0004`` does), so writers of
  one need take their turns and writers of different needs never wait;
- what depends on the time of the request stays exact: the backlog counts the
  waiting needs submitted on the (UTC) days on which a bucket begins or ends
  from the rows, and the other days from the tally; a matched need's end date is
  kept until it is 16 days past (then it is past due for good); a confirmation's
  date is taken in ``TallyZone`` (``settings.TIME_ZONE`` when the tallies were
  built; if they differ, the needs are counted from the rows). Figures asked as
  of another day, or for a period, are counted from the rows as before;
- a school moved to another county, or a specialty to another family, rebuilds
  the tallies concerned from the rows (``dashboard_tally_rebuild``).

``tallies=False`` counts everything from the rows (the default off PostgreSQL);
``tests/dashboard/test_tallies.py`` compares both on random data and after
writes of every kind. Still counted from the rows whenever the figures are
computed: the median, the proposed places, the schools with their goals and
rating tasks, supply and grades (see "Cache" for how often that is).

Cache
-----
The figures of a request as of now (:mod:`dashboard.figure_cache`, on when
``settings.DASHBOARD_CACHE``; PostgreSQL only) are kept in the Django cache
(Redis), keyed by what they depend on besides the data: the counties, the
period, the local date, the language of the family names, the database, the
grade settings and the code of this app's figure modules (a deployment starts
afresh). They are served again, at the cost of one query, while no write
has committed since they were computed; else computed and stored again. The
first request after a write pays the computation (``computed_*`` in
``bench_dashboard``), the next ones do not.

Whether a write committed since is read from a change log (migration
``dashboard/0004``): a statement-level trigger on each of the 17 tables a figure
reads (needs, schools, counties, specialties and families, state changes, plan
goals and their marks, assignments, activities, teachers and skills,
evaluations, cycles, ratings, the tally zone, and the users' school) inserts one
row per statement into ``dashboard_change``, with the id of the writing
transaction (``pg_current_xact_id()``); a rebuild of the tallies logs itself.
The computation first takes ``pg_current_snapshot()``; the entry holds while
every change row visible now was already visible in that snapshot
(``pg_visible_in_snapshot``, only rows from the snapshot's ``xmin`` on, an index
range). Why this design, and not another:

- it holds under concurrent writes, whatever the order of commits: a writer
  that began before the snapshot and commits after it is in the snapshot's
  list of running transactions, so its rows count as unseen once committed,
  even though rows with higher ids were already seen (a "highest id seen" token
  would miss it; ``tests/dashboard/test_cache.py`` commits two writers out of
  order). The snapshot is taken before the first query of the computation, so
  anything a later query saw but the snapshot did not only makes the entry
  expire early; a write committing while the check runs is one the request
  could equally have missed by arriving a moment earlier;
- figures computed by a transaction that has itself written (a test, an
  action that reads the dashboard) are never stored: they show writes that may
  yet be rolled back;
- writers never wait: one small INSERT per statement, no shared counter row
  (as for the tallies above); readers take no lock;
- it is coarse: any write to those tables, in any county, invalidates every
  entry. Invalidating per county would need each trigger to find the county of
  each row (assignments, activities, ratings are several joins away) and would
  miss writes that move rows between counties; under a steady trickle of writes
  the cache helps less, and the tallies keep the computation itself within
  bounds;
- the clock: the date is part of the key; the backlog's buckets move with the
  time of day, so an entry also ends at the next moment a waiting need of the
  counties reaches the next bucket (:func:`_backlog_moves_at`, one query when
  computing);
- ``dashboard.compact_tallies`` also prunes the log: each run marks the oldest
  running transaction, and rows older than a mark made over an hour ago (an
  entry lives ten minutes at most) were seen by every entry still cached.

Figures asked for another moment (``now=``) or with ``tallies=`` given are
always computed; off PostgreSQL nothing is cached.

Engagement of an assisted school
--------------------------------
Engagement is measured from the school's own actions, as the share of the chances
it had that it took. Four kinds of chances in the period:

=================  ==========================================  =====================
kind (weight)      a chance                                    taken when
=================  ==========================================  =====================
complete (20)      a need the school submitted in the period   it was never returned
                   (by ``submitted_at``) that was reviewed     to draft nor rejected
                   (no longer waiting in ``submitted``, or
                   returned once)
on_time (30)       a served need of the period due for         it was confirmed within
                   confirmation: fulfilled, or matched and     CONFIRM_GRACE_DAYS of
                   more than CONFIRM_GRACE_DAYS past its end   its end date
goals (20)         a plan goal of a served need of the         the school's staff
                   period that is matched or fulfilled and     marked it (a mark by
                   whose window has started (by the period's   a teacher does not
                   end, or today)                              count for the school)
ratings (30)       a rating task of the school's staff in a    it was submitted
                   cycle overlapping the period, once it is
                   submitted or its cycle closed (a cycle
                   just opened takes nothing away)
=================  ==========================================  =====================

(A served need: one with an accepted or completed assignment, as the evaluation
facts count them.) Each kind's share is taken / chances; then::

    engagement = 100 * sum(weight_k * share_k) / sum(weight_k)

over the kinds that had a chance: a share without a basis is left out and its
weight spread over the others, as the evaluation framework does. A school with no
chance yet has no engagement (``None``, shown as 无数据 or "—"), never 100, and is
ranked last. Equal scores share a rank. The score of the school's evaluation in the
last closed cycle (the evaluation framework's comprehensive view) is shown beside
it as ``evaluation_score`` and breaks ties.

Trend: the same figure for the period of equal length just before (``start -
length .. start - 1``, an open end counting as today; none without a start) is
``previous_score``, and ``trend`` is ``score - previous_score`` (``None`` unless
both exist); ``engagement_previous_period`` says which period that was. Both
periods are counted in the same two queries, with conditional counts.

``confirmed_share`` (fulfilled / (fulfilled + matched needs past their end)),
``needs_fulfilled``, ``needs_awaiting_confirmation``, ``rating_tasks`` and
``rating_tasks_done`` (every task given in cycles overlapping the period) are kept
as they were; the shares the score uses are ``complete_share``, ``on_time_share``,
``goals_marked_share`` and ``ratings_share``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import get_language

from accounts.models import Role
from accounts.scopes import visible
from activities.models import Activity
from evaluations.models import (
    CycleStatus,
    Evaluation,
    EvaluationCycle,
    RaterRole,
    Rating,
    RatingStatus,
    SubjectType,
)
from matching.models import (
    LIVE_ASSIGNMENT_STATUSES,
    Assignment,
    AssignmentStatus,
)
from needs.models import (
    GoalMark,
    GoalMarkAction,
    Need,
    NeedStatus,
    NeedTransition,
    PlanGoal,
    SpecialtyFamily,
)
from needs.policies import MARKABLE_NEED_STATUSES as GOAL_MARKABLE_STATUSES
from places.models import County, School, SchoolKind
from teams.models import Teacher, TeacherSkill

from . import figure_cache
from . import tallies as dashboard_tallies
from .models import (
    ActivityTally,
    BacklogTally,
    NeedTally,
    SchoolTally,
    TallyZone,
)

APPROVED_STATUSES = (NeedStatus.OPEN, NeedStatus.MATCHED, NeedStatus.FULFILLED)
SERVED_ASSIGNMENT_STATUSES = (AssignmentStatus.ACCEPTED, AssignmentStatus.COMPLETED)
BACKLOG_STATUSES = (NeedStatus.SUBMITTED, NeedStatus.OPEN)
# (key, lower bound in days inclusive, upper bound exclusive or None)
BACKLOG_BUCKETS = (
    ("lt_7", 0, 7),
    ("7_30", 7, 30),
    ("30_90", 30, 90),
    ("ge_90", 90, None),
)
CONFIRM_GRACE_DAYS = 14
ENGAGEMENT_WEIGHTS = {"complete": 20, "on_time": 30, "goals": 20, "ratings": 30}
# Queries :func:`dashboard_figures` runs, whatever the data (tests hold it to this).
QUERY_COUNT = 8


@dataclass(frozen=True)
class Period:
    start: dt.date | None = None
    end: dt.date | None = None

    def as_dict(self) -> dict:
        return {
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
        }


# --- who sees which counties ------------------------------------------------------


def may_view_dashboard(user) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_admin or user.is_coordinator)
    )


def dashboard_counties(user) -> QuerySet[County]:
    """The counties ``user`` may choose on the dashboard (none for other roles)."""
    if not may_view_dashboard(user):
        return County.objects.none()
    return visible(user, County.objects.assisted()).order_by("province", "name", "pk")


# --- database helpers -----------------------------------------------------------


class DaysBetween(Func):
    """``later - earlier`` in (fractional) days, for two timestamps."""

    arity = 2
    output_field = FloatField()

    def as_sql(self, compiler, connection, **extra_context):
        later, earlier = (compiler.compile(e) for e in self.get_source_expressions())
        sql = f"(julianday({later[0]}) - julianday({earlier[0]}))"
        return sql, (*later[1], *earlier[1])

    def as_postgresql(self, compiler, connection, **extra_context):
        later, earlier = (compiler.compile(e) for e in self.get_source_expressions())
        # date_part gives a float; EXTRACT gives numeric, slower to sort.
        sql = f"(date_part('epoch', {later[0]} - {earlier[0]}) / 86400.0)"
        return sql, (*later[1], *earlier[1])


class PercentileCont(Func):
    """PostgreSQL's ordered-set aggregate ``percentile_cont(f) WITHIN GROUP``."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    contains_aggregate = True
    output_field = FloatField()

    def __init__(self, expression, fraction: float = 0.5, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


class SubquerySum(Subquery):
    """``(SELECT SUM(<column>) FROM ...)`` without a GROUP BY, for correlated sums."""

    template = "(SELECT SUM(%(sum_field)s) FROM (%(subquery)s) _sum)"
    output_field = IntegerField()

    def __init__(self, queryset, column: str, **extra):
        super().__init__(queryset, sum_field=column, **extra)


class SubqueryCount(Subquery):
    template = "(SELECT COUNT(*) FROM (%(subquery)s) _count)"
    output_field = IntegerField()


def median(queryset: QuerySet, expression) -> float | None:
    """The median of ``expression`` over ``queryset``, in one query."""
    if connections[queryset.db].vendor == "postgresql":
        return queryset.aggregate(m=PercentileCont(expression))["m"]
    return median_portable(queryset, expression)


def median_portable(queryset: QuerySet, expression) -> float | None:
    """The median through window functions, for databases without a percentile
    aggregate (SQLite): order the values, average the middle one or two."""
    connection = connections[queryset.db]
    inner = queryset.annotate(_v=expression).values("_v").order_by()
    try:
        sql, params = inner.query.sql_with_params()
    except EmptyResultSet:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT AVG(_v) FROM ("  # noqa: S608 - the inner SQL is the ORM's
            " SELECT _v, ROW_NUMBER() OVER (ORDER BY _v) AS _rn,"
            " COUNT(*) OVER () AS _n FROM (" + sql + ") _vals"
            ") _ranked WHERE _rn IN ((_n + 1) / 2, (_n + 2) / 2)",
            params,
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _bounds_q(period: Period, *, on_or_after_start: str, on_or_before_end: str) -> Q:
    """The first field from the period's start on and the second up to its end; an
    open bound of the period asks nothing."""
    q = Q()
    if period.start:
        q &= Q(**{f"{on_or_after_start}__gte": period.start})
    if period.end:
        q &= Q(**{f"{on_or_before_end}__lte": period.end})
    return q


def _window_q(period: Period, prefix: str = "") -> Q:
    """Needs whose service window overlaps the period."""
    return _bounds_q(
        period,
        on_or_after_start=f"{prefix}end_date",
        on_or_before_end=f"{prefix}start_date",
    )


def _county_schools(county_ids: list[int]) -> QuerySet:
    """``school_id IN (...)``: filters the needs on their own column instead of
    joining every need to its school."""
    return School.objects.filter(county_id__in=county_ids).values("pk")


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _round(value: float | Decimal | None, digits: int) -> float | None:
    return None if value is None else round(float(value), digits)


# --- the figures ----------------------------------------------------------------


def dashboard_figures(
    county_ids: Iterable[int],
    period: Period | None = None,
    *,
    now: dt.datetime | None = None,
    tallies: bool | None = None,
    cache: bool | None = None,
) -> dict:
    """Every figure of the dashboard for the counties ``county_ids`` (already
    resolved through :func:`dashboard_counties`), as plain JSON-able data.

    ``tallies``: read the running tallies where they serve (see "Tallies" above;
    the default where the database keeps them); False counts every figure from
    the rows themselves (the tests compare both). ``cache``: serve figures
    computed earlier while no write has committed since (see "Cache" above;
    default ``settings.DASHBOARD_CACHE``), for figures as of now with the
    default tallies only."""
    if cache is None:
        cache = settings.DASHBOARD_CACHE
    county_ids = sorted(set(county_ids))
    period = period or Period()
    if not cache or now is not None or tallies is not None:
        return _compute_figures(county_ids, period, now=now, tallies=tallies)
    now = timezone.now()
    today = timezone.localdate(now)
    english = (get_language() or "").startswith("en")
    params = {
        "counties": county_ids,
        "period": [period.start, period.end],
        "today": today,
        "english": english,
    }

    def compute() -> tuple[dict, dt.datetime | None]:
        figures = _compute_figures(county_ids, period, now=now)
        return figures, _backlog_moves_at(county_ids, now)

    figures = figure_cache.figures(params, compute, now=now)
    return {**figures, "as_of": now.isoformat(), "today": today.isoformat()}


def _backlog_moves_at(county_ids: list[int], now: dt.datetime) -> dt.datetime | None:
    """The next moment after ``now`` at which a waiting need of the counties
    passes from one backlog bucket to the next (None: none will), in one query;
    the only figure that changes with the time of day rather than the date."""
    waiting = Need.objects.filter(
        Q(status=NeedStatus.SUBMITTED)
        | Q(status=NeedStatus.OPEN, filled__lt=F("headcount")),
        school_id__in=_county_schools(county_ids),
    )
    bounds = {days for _key, *both in BACKLOG_BUCKETS for days in both}
    edges = sorted(days for days in bounds if days is not None)
    firsts = waiting.order_by().aggregate(
        **{
            f"after_{days}": Min(
                "submitted_at",
                filter=Q(submitted_at__gt=now - dt.timedelta(days=days)),
            )
            for days in edges
        }
    )
    moments = [
        first + dt.timedelta(days=days)
        for days in edges
        if (first := firsts[f"after_{days}"]) is not None
    ]
    return min(moments, default=None)


def _compute_figures(
    county_ids: list[int],
    period: Period,
    *,
    now: dt.datetime | None = None,
    tallies: bool | None = None,
) -> dict:
    if tallies is None:
        tallies = dashboard_tallies.available()
    now = now or timezone.now()
    today = timezone.localdate(now)

    needs = Need.objects.filter(school_id__in=_county_schools(county_ids)).filter(
        _window_q(period)
    )
    figures: dict = {}
    if tallies and period.start is None and period.end is None:
        rows = _need_rows_from_tallies(county_ids, now)
    else:
        rows = _need_rows(needs, now)
    figures.update(_need_figures(rows))
    demand = figures.pop("_demand")
    # A proposed place waits for a decision: not unmet demand (nor free supply,
    # where the teacher's capacity already counts it as taken).
    for row in (
        Assignment.objects.filter(
            status=AssignmentStatus.PROPOSED,
            need__in=needs.filter(status=NeedStatus.OPEN).values("pk"),
        )
        .order_by()
        .values("need__specialty__family_id")
        .annotate(n=Count("pk"))
    ):
        family = row["need__specialty__family_id"]
        demand[family] = max(demand.get(family, 0) - row["n"], 0)
    figures["median_days_to_match"] = _round(
        median(
            needs.filter(submitted_at__isnull=False, matched_at__isnull=False),
            DaysBetween(F("matched_at"), F("submitted_at")),
        ),
        1,
    )
    figures.update(_school_figures(county_ids, period, today, tallies=tallies))
    figures["supply_demand"] = _supply_demand(county_ids, period, today, demand)
    figures.update(_reach(county_ids, period, tallies=tallies))
    figures["grade_distribution"] = _grade_distribution(county_ids, period)
    figures["as_of"] = now.isoformat()
    figures["today"] = today.isoformat()
    return figures


def _backlog_buckets(now: dt.datetime) -> dict:
    """Submitted needs, and open ones with places left, by age since submission,
    as conditional counts. (Open only for the second: the other states never
    reach the backlog.)"""
    waiting = Q(status=NeedStatus.SUBMITTED) | Q(
        status=NeedStatus.OPEN, filled__lt=F("headcount")
    )
    buckets = {}
    for key, low, high in BACKLOG_BUCKETS:
        age = Q(submitted_at__lte=now - dt.timedelta(days=low))
        if high is not None:
            age &= Q(submitted_at__gt=now - dt.timedelta(days=high))
        buckets[f"backlog_{key}"] = Count("pk", filter=waiting & age)
    return buckets


def _need_rows(needs: QuerySet, now: dt.datetime) -> list[dict]:
    """The needs grouped by state and family (at most 7 x 19 rows, whatever the
    number of needs), with the backlog's age buckets as conditional counts."""
    return list(
        needs.order_by()
        .values("status", "specialty__family_id")
        .annotate(
            n=Count("pk"),
            places=Sum("headcount"),
            taken=Sum("filled"),
            **_backlog_buckets(now),
        )
    )


def _need_rows_from_tallies(county_ids: list[int], now: dt.datetime) -> list[dict]:
    """The rows of :func:`_need_rows` for every need of the counties, in one
    query: the counts per state and family from the tallies, and the backlog (one
    row per state) from the backlog's tallies per day of submission, except for
    the days on which a bucket begins or ends at the time of the request: the
    waiting needs submitted on those days are counted from the rows."""
    zero = {f"backlog_{key}": Value(0) for key, *_ in BACKLOG_BUCKETS}
    tallied = (
        NeedTally.objects.filter(county_id__in=county_ids)
        .order_by()
        .values("status", "family_id")
        .annotate(n=Sum("needs"), places=Sum("headcount"), taken=Sum("filled"), **zero)
    )
    waiting = Need.objects.filter(
        school_id__in=_county_schools(county_ids), status__in=BACKLOG_STATUSES
    )
    nothing = {
        "family_id": Value(None, output_field=IntegerField()),
        "n": Value(0),
        "places": Value(0),
        "taken": Value(0),
    }
    if abs(now - timezone.now()) > dt.timedelta(hours=12):
        # Figures as of another time: the tallies' days are kept relative to
        # the clock, so count the waiting needs themselves.
        backlog = [
            waiting.order_by()
            .values("status")
            .annotate(**nothing, **_backlog_buckets(now))
        ]
    else:
        backlog = _backlog_from_tallies(county_ids, now, waiting, nothing)
    rows = []
    for row in tallied.union(*backlog, all=True):
        row["specialty__family_id"] = row.pop("family_id")
        rows.append(row)
    return rows


def _utc_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(dt.UTC).date()


def _backlog_from_tallies(
    county_ids: list[int], now: dt.datetime, waiting: QuerySet, nothing: dict
) -> list[QuerySet]:
    edges = {
        _utc_day(now - dt.timedelta(days=low)) for _key, low, _h in BACKLOG_BUCKETS
    }
    edges |= {
        _utc_day(now - dt.timedelta(days=high))
        for _key, _low, high in BACKLOG_BUCKETS
        if high is not None
    }
    inside = ~Q(day__in=edges)
    sums = {}
    for key, low, high in BACKLOG_BUCKETS:
        bucket = inside & Q(day__lt=_utc_day(now - dt.timedelta(days=low)))
        if high is not None:
            bucket &= Q(day__gt=_utc_day(now - dt.timedelta(days=high)))
        else:  # the oldest bucket also holds the needs kept without a day
            bucket |= Q(day__isnull=True)
        sums[f"backlog_{key}"] = Coalesce(Sum("needs", filter=bucket), 0)
    tallied = (
        BacklogTally.objects.filter(county_id__in=county_ids)
        .order_by()
        .values("status")
        .annotate(**nothing, **sums)
    )
    on_edges = Q()
    for day in edges:
        start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
        on_edges |= Q(submitted_at__gte=start, submitted_at__lt=start + dt.timedelta(1))
    counted = (
        waiting.filter(on_edges)
        .order_by()
        .values("status")
        .annotate(**nothing, **_backlog_buckets(now))
    )
    return [tallied, counted]


def _need_figures(rows: list[dict]) -> dict:
    """States, fill rate, backlog and the demand per specialty family, from the
    needs grouped by state and family (:func:`_need_rows`)."""
    by_status = dict.fromkeys(NeedStatus.values, 0)
    backlog = {key: dict.fromkeys(BACKLOG_STATUSES, 0) for key, *_ in BACKLOG_BUCKETS}
    demand: dict[int, int] = defaultdict(int)
    headcount = filled = 0
    for row in rows:
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
        if row["status"] in APPROVED_STATUSES:
            headcount += row["places"] or 0
            filled += row["taken"] or 0
        if row["status"] in BACKLOG_STATUSES:
            for key, *_ in BACKLOG_BUCKETS:
                backlog[key][row["status"]] += row[f"backlog_{key}"]
        if row["status"] == NeedStatus.OPEN and row["specialty__family_id"]:
            # filled <= headcount is a database constraint
            demand[row["specialty__family_id"]] += row["places"] - row["taken"]
    return {
        "_demand": demand,
        "needs_by_status": by_status,
        "needs_total": sum(by_status.values()),
        "headcount_approved": headcount,
        "headcount_filled": filled,
        "fill_rate": _round(_share(filled, headcount), 4),
        "backlog": [
            {"bucket": key, "min_days": low, "max_days": high, **backlog[key]}
            for key, low, high in BACKLOG_BUCKETS
        ],
    }


def previous_period(period: Period, today: dt.date) -> Period | None:
    """The period of equal length just before ``period`` (an open end is today);
    ``None`` without a start, when there is no length to repeat."""
    if period.start is None:
        return None
    end = period.end or max(today, period.start)
    days = (end - period.start).days + 1
    return Period(
        start=period.start - dt.timedelta(days=days),
        end=period.start - dt.timedelta(days=1),
    )


def _date_q(field: str, period: Period) -> Q:
    """A timestamp whose local date falls in the period."""
    return _bounds_q(
        period, on_or_after_start=f"{field}__date", on_or_before_end=f"{field}__date"
    )


def _need_chances(key: str, period: Period, today: dt.date) -> dict:
    """Conditional counts, over the needs of one school that are alike in being
    served or not and returned or not (the query groups by both), of its chances
    in ``period``: needs submitted (reviewed, waiting for review, reviewed and not
    rejected) and confirmations due (and made on time). :func:`_need_figures_of`
    turns them into needs posted, posted complete, due and on time."""
    submitted = Q(submitted_at__isnull=False) & _date_q("submitted_at", period)
    waiting = Q(status=NeedStatus.SUBMITTED)
    window = _window_q(period)
    due = Q(status=NeedStatus.FULFILLED) | Q(
        status=NeedStatus.MATCHED,
        end_date__lt=today - dt.timedelta(days=CONFIRM_GRACE_DAYS),
    )
    deadline = F("end_date") + dt.timedelta(days=CONFIRM_GRACE_DAYS)
    return {
        f"{key}_reviewed": Count("pk", filter=submitted & ~waiting),
        f"{key}_in_review": Count("pk", filter=submitted & waiting),
        f"{key}_accepted": Count(
            "pk",
            filter=submitted & ~waiting & ~Q(status=NeedStatus.REJECTED),
        ),
        f"{key}_due": Count("pk", filter=window & due),
        f"{key}_on_time": Count(
            "pk",
            filter=window
            & Q(status=NeedStatus.FULFILLED, fulfilled_at__date__lte=deadline),
        ),
    }


def _need_figures_of(groups: list[dict], keys) -> dict:
    """One school's need counts from its groups (served or not, returned or not):
    a need is posted once reviewed, or returned once (even if submitted again);
    posted complete if never returned nor rejected; due and on time if served."""
    names = ["served_needs", "fulfilled", "overdue"]
    for key in keys:
        names += [f"{key}_{n}" for n in ("posted", "posted_complete", "due", "on_time")]
    totals = dict.fromkeys(names, 0)
    for g in groups:
        served, returned = g["is_served"], g["was_returned"]
        if served:
            for name in ("served_needs", "fulfilled", "overdue"):
                totals[name] += g[name]
        for key in keys:
            totals[f"{key}_posted"] += g[f"{key}_reviewed"] + (
                g[f"{key}_in_review"] if returned else 0
            )
            if not returned:
                totals[f"{key}_posted_complete"] += g[f"{key}_accepted"]
            if served:
                totals[f"{key}_due"] += g[f"{key}_due"]
                totals[f"{key}_on_time"] += g[f"{key}_on_time"]
    return totals


def _school_chances(key: str, period: Period, today: dt.date) -> dict:
    """Correlated counts, per assisted school, of its chances in ``period`` to mark
    goals and to submit ratings, and of those it took."""
    started = min(period.end, today) if period.end else today
    goals = PlanGoal.objects.filter(
        _window_q(period, "need__"),
        Exists(
            Assignment.objects.filter(
                need=OuterRef("need_id"), status__in=SERVED_ASSIGNMENT_STATUSES
            )
        ),
        need__school=OuterRef("pk"),
        need__status__in=GOAL_MARKABLE_STATUSES,
        need__start_date__lte=started,
    )
    by_the_school = GoalMark.objects.filter(
        goal=OuterRef("pk"),
        action=GoalMarkAction.MARK,
        author_role=Role.SCHOOL_STAFF,
        author__school_id=OuterRef("need__school_id"),
    )
    # A rating task is a chance once it is submitted or its cycle has closed: a
    # cycle just opened takes nothing away.
    tasks = _rating_tasks(period).filter(
        Q(status=RatingStatus.SUBMITTED)
        | Q(evaluation__cycle__status=CycleStatus.CLOSED)
    )
    return {
        f"{key}_goals": SubqueryCount(goals.values("pk")),
        f"{key}_goals_marked": SubqueryCount(
            goals.filter(Exists(by_the_school)).values("pk")
        ),
        f"{key}_ratings": SubqueryCount(tasks.values("pk")),
        f"{key}_ratings_done": SubqueryCount(
            tasks.filter(status=RatingStatus.SUBMITTED).values("pk")
        ),
    }


def _rating_tasks(period: Period) -> QuerySet:
    """The school's staff's rating tasks in cycles overlapping the period."""
    tasks = Rating.objects.filter(
        rater__school=OuterRef("pk"), rater_role=RaterRole.SCHOOL
    )
    if period.end:
        tasks = tasks.filter(evaluation__cycle__start_date__lte=period.end)
    if period.start:
        tasks = tasks.filter(evaluation__cycle__end_date__gte=period.start)
    return tasks


def _school_groups_from_tallies(
    county_ids: list[int], today: dt.date
) -> list[dict] | None:
    """The groups of :func:`_school_figures` without a period, from the school
    tallies; None when they cannot serve: the figures are asked as of another
    day than today (the tallies keep the end dates of matched needs relative to
    the clock), or the tallies took confirmation dates in another time zone."""
    if abs((today - timezone.localdate()).days) > 0:
        return None
    submitted = Q(submitted=True)
    waiting = Q(status=NeedStatus.SUBMITTED)
    matched = Q(status=NeedStatus.MATCHED)
    fulfilled = Q(status=NeedStatus.FULFILLED)
    grace = today - dt.timedelta(days=CONFIRM_GRACE_DAYS)
    past = Q(end_date__isnull=True) | Q(end_date__lt=today)
    past_grace = Q(end_date__isnull=True) | Q(end_date__lt=grace)

    def total(condition: Q | None = None):
        return Coalesce(Sum("needs", filter=condition), 0)

    rows = list(
        SchoolTally.objects.filter(school_id__in=_county_schools(county_ids))
        .order_by()
        .values("school_id", is_served=F("served"), was_returned=F("returned"))
        .annotate(
            served_needs=total(),
            fulfilled=total(fulfilled),
            overdue=total(matched & past),
            now_reviewed=total(submitted & ~waiting),
            now_in_review=total(submitted & waiting),
            now_accepted=total(submitted & ~waiting & ~Q(status=NeedStatus.REJECTED)),
            now_due=total(fulfilled | (matched & past_grace)),
            now_on_time=total(fulfilled & Q(on_time=True)),
            zone=Subquery(TallyZone.objects.values("zone")[:1]),
        )
    )
    if rows and rows[0]["zone"] != settings.TIME_ZONE:
        return None
    return [row for row in rows if row["served_needs"]]


def _school_figures(
    county_ids: list[int], period: Period, today: dt.date, *, tallies: bool
) -> dict:
    """Coverage and engagement, for the period and the one before it, in two
    queries: the county's needs counted per school (a school with a served need is
    served), and the assisted schools with their goals, rating tasks and last
    evaluation score."""
    periods = {"now": period}
    before = previous_period(period, today)
    if before is not None:
        periods["before"] = before
    both = Period(start=before.start if before else period.start, end=period.end)
    # Uncorrelated: PostgreSQL hashes each list once instead of probing per need.
    served_needs = Assignment.objects.filter(
        status__in=SERVED_ASSIGNMENT_STATUSES
    ).values("need_id")
    returned = NeedTransition.objects.filter(
        Q(to_status=NeedStatus.REJECTED)
        | Q(from_status=NeedStatus.SUBMITTED, to_status=NeedStatus.DRAFT)
    ).values("need_id")
    window = _window_q(period)
    counts = {
        "served_needs": Count("pk", filter=window),
        "fulfilled": Count("pk", filter=window & Q(status=NeedStatus.FULFILLED)),
        "overdue": Count(
            "pk", filter=window & Q(status=NeedStatus.MATCHED, end_date__lt=today)
        ),
    }
    for key, each in periods.items():
        counts.update(_need_chances(key, each, today))
    # Grouped by whether each need is served and was returned: the two tests are
    # then made once per need, not once per count that depends on them.
    groups: dict[int, list[dict]] = defaultdict(list)
    counted = Need.objects.filter(school_id__in=_county_schools(county_ids)).filter(
        _window_q(both) | _date_q("submitted_at", both)
    )
    rows = None
    if tallies and before is None and period == Period():
        rows = _school_groups_from_tallies(county_ids, today)
    if rows is None:
        rows = (
            counted.annotate(
                is_served=ExpressionWrapper(
                    Q(pk__in=served_needs), output_field=BooleanField()
                ),
                was_returned=ExpressionWrapper(
                    Q(pk__in=returned), output_field=BooleanField()
                ),
            )
            .order_by()
            .values("school_id", "is_served", "was_returned")
            .annotate(**counts)
        )
    for group in rows:
        groups[group["school_id"]].append(group)
    tasks = _rating_tasks(period)
    last_score = (
        Evaluation.objects.filter(
            school=OuterRef("pk"),
            cycle__status=CycleStatus.CLOSED,
            score__isnull=False,
        )
        .order_by("-cycle__end_date", "-cycle_id")
        .values("score")[:1]
    )
    chances = {}
    for key, each in periods.items():
        chances.update(_school_chances(key, each, today))
    rows = list(
        School.objects.filter(kind=SchoolKind.ASSISTED, county_id__in=county_ids)
        .annotate(
            tasks_total=SubqueryCount(tasks.values("pk")),
            tasks_done=SubqueryCount(
                tasks.filter(status=RatingStatus.SUBMITTED).values("pk")
            ),
            evaluation_score=Subquery(last_score),
            **chances,
        )
        .values(
            "pk",
            "name",
            "county_id",
            "tasks_total",
            "tasks_done",
            "evaluation_score",
            *chances,
        )
        .order_by("county__name", "name", "pk")
    )
    for row in rows:
        row.update(_need_figures_of(groups.get(row["pk"], []), periods))
    unserved = [
        {"id": r["pk"], "name": r["name"], "county": r["county_id"]}
        for r in rows
        if not r["served_needs"]
    ]
    return {
        "schools_total": len(rows),
        "schools_served": len(rows) - len(unserved),
        "coverage": _round(_share(len(rows) - len(unserved), len(rows)), 4),
        "schools_unserved": unserved,
        "engagement": _rank_engagement(rows, has_before=before is not None),
        "engagement_previous_period": before.as_dict() if before else None,
    }


def engagement_score(**shares: float | None) -> float | None:
    """The weighted mean (:data:`ENGAGEMENT_WEIGHTS`) of the shares that have a
    basis, on 0-100; ``None`` when none has: no chances, no figure."""
    present = {k: v for k, v in shares.items() if v is not None}
    if not present:
        return None
    weight = sum(ENGAGEMENT_WEIGHTS[k] for k in present)
    return round(
        100 * sum(ENGAGEMENT_WEIGHTS[k] * v for k, v in present.items()) / weight, 1
    )


def _engagement_of(row: dict, key: str) -> tuple[float | None, dict]:
    """The score of one period (``now`` or ``before``) and its shares."""
    counts = {
        "complete": (row[f"{key}_posted_complete"], row[f"{key}_posted"]),
        "on_time": (row[f"{key}_on_time"], row[f"{key}_due"]),
        "goals": (row[f"{key}_goals_marked"], row[f"{key}_goals"]),
        "ratings": (row[f"{key}_ratings_done"], row[f"{key}_ratings"]),
    }
    shares = {k: _share(done, chances) for k, (done, chances) in counts.items()}
    return engagement_score(**shares), shares


def _rank_engagement(rows: list[dict], *, has_before: bool) -> list[dict]:
    ranked = []
    for r in rows:
        score, shares = _engagement_of(r, "now")
        previous = _engagement_of(r, "before")[0] if has_before else None
        chances = r["now_posted"] + r["now_due"] + r["now_goals"] + r["now_ratings"]
        ranked.append(
            {
                "school": r["pk"],
                "name": r["name"],
                "county": r["county_id"],
                "score": score,
                "previous_score": previous,
                "trend": round(score - previous, 1)
                if score is not None and previous is not None
                else None,
                "complete_share": _round(shares["complete"], 4),
                "on_time_share": _round(shares["on_time"], 4),
                "goals_marked_share": _round(shares["goals"], 4),
                "ratings_share": _round(shares["ratings"], 4),
                "confirmed_share": _round(
                    _share(r["fulfilled"], r["fulfilled"] + r["overdue"]), 4
                ),
                "chances": chances,
                "chances_taken": r["now_posted_complete"]
                + r["now_on_time"]
                + r["now_goals_marked"]
                + r["now_ratings_done"],
                "needs_posted": r["now_posted"],
                "needs_posted_complete": r["now_posted_complete"],
                "confirmations_due": r["now_due"],
                "confirmations_on_time": r["now_on_time"],
                "goals_to_mark": r["now_goals"],
                "goals_marked": r["now_goals_marked"],
                "rating_chances": r["now_ratings"],
                "needs_fulfilled": r["fulfilled"],
                "needs_awaiting_confirmation": r["overdue"],
                "rating_tasks": r["tasks_total"],
                "rating_tasks_done": r["tasks_done"],
                "evaluation_score": _round(r["evaluation_score"], 2),
            }
        )

    def key(item: dict):
        score = item["score"]
        evaluation = item["evaluation_score"]
        return (
            score is None,
            -(score or 0),
            evaluation is None,
            -(evaluation or 0),
            item["name"],
        )

    ranked.sort(key=key)
    previous, rank = None, 0
    for position, item in enumerate(ranked, start=1):
        if item["score"] is None:
            item["rank"] = None
            continue
        if item["score"] != previous:
            rank, previous = position, item["score"]
        item["rank"] = rank
    return ranked


def _supply_demand(
    county_ids: list[int], period: Period, today: dt.date, demand: dict[int, int]
) -> list:
    """Supply summed per family over the teachers of the counties (one query over
    the 19 families), beside the demand counted with the needs' states."""
    live = (
        Assignment.objects.filter(
            teacher=OuterRef("pk"), status__in=LIVE_ASSIGNMENT_STATUSES
        )
        .order_by()
        .values("pk")
    )
    teachers = Teacher.objects.filter(
        active=True,
        county_id__in=county_ids,
        available_until__gte=period.start or today,
    )
    if period.end:
        teachers = teachers.filter(available_from__lte=period.end)
    supply = (
        teachers.filter(
            Exists(
                TeacherSkill.objects.filter(
                    teacher=OuterRef("pk"), specialty__family=OuterRef(OuterRef("pk"))
                )
            )
        )
        .order_by()
        .annotate(
            _free=Greatest(
                F("capacity") - SubqueryCount(live),
                Value(0),
                output_field=IntegerField(),
            )
        )
        .values("_free")
    )
    english = (get_language() or "").startswith("en")
    rows = (
        SpecialtyFamily.objects.annotate(
            supply=Coalesce(SubquerySum(supply, "_free"), 0)
        )
        .values("pk", "code", "name", "name_en", "supply")
        .order_by("code")
    )
    result = []
    for r in rows:
        places = demand.get(r["pk"]) or 0
        if not (places or r["supply"]):
            continue
        result.append(
            {
                "family": r["pk"],
                "family_code": r["code"],
                "family_name": (
                    r["name_en"] if english and r["name_en"] else r["name"]
                ),
                "demand": places,
                "supply": r["supply"],
                "gap": places - r["supply"],
            }
        )
    return result


def _reach(county_ids: list[int], period: Period, *, tallies: bool) -> dict:
    """The radiating effect: sums over the undisputed activities of the period
    (from their tallies per county and day, or from the activities)."""
    if tallies:
        activities = ActivityTally.objects.filter(county_id__in=county_ids)
        sums = {
            "teachers": Sum("teachers"),
            "students": Sum("students"),
            "hours": Sum("hours"),
            "count": Sum("activities"),
        }
    else:
        # No join to the school: the needs' school among the counties' schools.
        activities = Activity.objects.filter(
            assignment__need__school_id__in=_county_schools(county_ids),
            disputed=False,
        )
        sums = {
            "teachers": Sum("local_teachers_reached"),
            "students": Sum("students_reached"),
            "hours": Sum("hours"),
            "count": Count("pk"),
        }
    if period.start:
        activities = activities.filter(date__gte=period.start)
    if period.end:
        activities = activities.filter(date__lte=period.end)
    row = activities.order_by().aggregate(**sums)
    return {
        "local_teachers_reached": row["teachers"] or 0,
        "students_reached": row["students"] or 0,
        "activity_hours": _round(row["hours"] or 0, 1),
        "activities": row["count"] or 0,
    }


def grade_order() -> list[str]:
    return [grade for grade, _low in settings.EVALUATION_GRADES]


def _grade_distribution(county_ids: list[int], period: Period) -> dict:
    """Grades of the last closed cycle of each county: one grouped query."""
    closed = EvaluationCycle.objects.filter(status=CycleStatus.CLOSED)
    if period.end:
        closed = closed.filter(start_date__lte=period.end)
    last = closed.filter(county=OuterRef("county")).order_by(
        "-end_date", "-closed_at", "-pk"
    )
    rows = (
        Evaluation.objects.filter(
            cycle__county_id__in=county_ids,
            cycle__in=Subquery(
                closed.filter(pk=Subquery(last.values("pk")[:1])).values("pk")
            ),
        )
        .exclude(grade="")
        .values(
            "cycle_id",
            "cycle__name",
            "cycle__county_id",
            "cycle__end_date",
            "subject_type",
            "grade",
        )
        .annotate(n=Count("pk"))
        .order_by("cycle__county_id", "cycle_id")
    )
    cycles: dict[int, dict] = {}
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        cycles.setdefault(
            r["cycle_id"],
            {
                "id": r["cycle_id"],
                "name": r["cycle__name"],
                "county": r["cycle__county_id"],
                "end_date": r["cycle__end_date"].isoformat(),
            },
        )
        counts[r["grade"]][r["subject_type"]] += r["n"]
    known = grade_order()
    grades = known + sorted(g for g in counts if g not in known)
    return {
        "cycles": list(cycles.values()),
        "grades": [
            {
                "grade": grade,
                **{t: counts[grade][t] for t in SubjectType.values},
                "total": sum(counts[grade].values()),
            }
            for grade in grades
        ],
    }
