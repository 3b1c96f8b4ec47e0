from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from common import fields


class SubjectType(models.TextChoices):
    TEACHER = "teacher", _("Teacher")
    TEAM = "team", _("Team")
    SCHOOL = "school", _("Assisted school")


class FrameworkQuerySet(models.QuerySet):
    def default_for(self, subject_type: str) -> "Framework | None":
        return self.filter(subject_type=subject_type, is_default=True).first()


class Framework(models.Model):
    """An evaluation framework: a tree of weighted indicators and rater weights,
    for one kind of subject (teachers, teams or assisted schools).

    Its owner is a county (its coordinators and the admins keep it) or, with no
    county, the programme (the admins keep it; the shipped defaults)."""

    name = models.CharField(_("name"), max_length=100)
    county = fields.reference(
        "places.County",
        _("owned by county"),
        related_name="evaluation_frameworks",
        optional=True,
        help_text=_("Empty: a framework of the programme, kept by the admins."),
    )
    description = models.TextField(_("description"), blank=True)
    subject_type = models.CharField(
        _("evaluates"),
        max_length=20,
        choices=SubjectType.choices,
        default=SubjectType.TEACHER,
    )
    is_default = models.BooleanField(
        _("default"),
        default=False,
        help_text=_("Used by new cycles unless another framework is chosen."),
    )
    created_at = fields.created_at()
    updated_at = fields.updated_at()

    objects = FrameworkQuerySet.as_manager()

    class Meta:
        verbose_name = _("evaluation framework")
        verbose_name_plural = _("evaluation frameworks")
        ordering = ["subject_type", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "name"],
                nulls_distinct=False,
                name="framework_name_unique_per_owner",
                violation_error_message=_(
                    "A framework of this name already exists for this owner."
                ),
            ),
            models.UniqueConstraint(
                fields=["subject_type"],
                condition=Q(is_default=True),
                name="framework_single_default_per_subject",
            ),
            models.CheckConstraint(
                condition=Q(is_default=False) | Q(county__isnull=True),
                name="framework_default_is_the_programmes",
            ),
            fields.one_of("subject_type", SubjectType, "framework_subject_type_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class IndicatorKind(models.TextChoices):
    OBJECTIVE = "objective", _("Objective (computed from the platform's data)")
    SUBJECTIVE = "subjective", _("Subjective (rated)")


class Metric(models.TextChoices):
    HOURS_TAUGHT = "hours_taught", _("Hours taught")
    LOCAL_TEACHERS_TRAINED = "local_teachers_trained", _("Local teachers trained")
    NEEDS_FULFILLED = "needs_fulfilled", _("Needs fulfilled")
    GOALS_MET = "goals_met", _("Plan goals met")
    ACTIVITY_REGULARITY = "activity_regularity", _("Regularity of activities")
    CONFIRMATION_SPEED = "confirmation_speed", _("Speed of confirming needs")
    RATING_PARTICIPATION = "rating_participation", _("Rating tasks completed")
    NEED_QUALITY = "need_quality", _("Quality of needs posted")


class Indicator(models.Model):
    framework = fields.part_of(Framework, _("framework"), related_name="indicators")
    parent = fields.part_of(
        "self",
        _("parent"),
        related_name="children",
        optional=True,
    )
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    weight = models.DecimalField(
        _("weight"),
        max_digits=5,
        decimal_places=2,
        help_text=_("Share of its parent (siblings sum to 100)."),
    )
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=IndicatorKind.choices,
        default=IndicatorKind.SUBJECTIVE,
    )
    metric = models.CharField(
        _("metric"), max_length=40, choices=Metric.choices, blank=True
    )
    target = models.FloatField(
        _("target"),
        null=True,
        blank=True,
        help_text=_(
            "For objective indicators: the value that earns 100 (for the speed of "
            "confirming: the days late that earn 0). Empty: the metric's default."
        ),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    anchors = models.JSONField(
        _("anchors"),
        default=dict,
        blank=True,
        help_text=_(
            'For rated indicators: what a score means, e.g. {"90": "...", '
            '"75": "...", "60": "..."}; shown to raters.'
        ),
    )

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["framework_id", "position", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "code"], name="indicator_code_unique_in_framework"
            ),
            models.CheckConstraint(
                condition=Q(weight__gt=0, weight__lte=100),
                name="indicator_weight_0_100",
                violation_error_message=_(
                    "A weight must be more than 0 and at most 100."
                ),
            ),
            models.CheckConstraint(
                condition=Q(kind="subjective", metric="")
                | Q(kind="objective") & ~Q(metric=""),
                name="indicator_metric_iff_objective",
                violation_error_message=_(
                    "Objective indicators need a metric; subjective ones have none."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class RaterRole(models.TextChoices):
    SCHOOL = "school", _("Assisted school")
    COORDINATOR = "coordinator", _("Coordinator")
    PEER = "peer", _("Team peers")
    SELF = "self", _("Self")
    TEACHER = "teacher", _("Teachers who served")


class RaterWeight(models.Model):
    framework = fields.part_of(
        Framework,
        _("framework"),
        related_name="rater_weights",
    )
    role = models.CharField(_("rater role"), max_length=20, choices=RaterRole.choices)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("rater weight")
        verbose_name_plural = _("rater weights")
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "role"], name="rater_weight_unique_role"
            ),
            fields.between("weight", 0, 100, "rater_weight_0_100"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.weight}"


class CycleStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("evaluation cycle", "Draft")
    OPEN = "open", pgettext_lazy("evaluation cycle", "Open")
    CLOSED = "closed", pgettext_lazy("evaluation cycle", "Closed")


class EvaluationCycle(models.Model):
    name = models.CharField(_("name"), max_length=100)
    county = fields.reference(
        "places.County", _("county"), related_name="evaluation_cycles"
    )
    framework = fields.reference(
        Framework,
        _("framework"),
        related_name="cycles",
        help_text=_("The framework teachers are evaluated with."),
    )
    team_framework = fields.reference(
        Framework,
        _("framework for teams"),
        related_name="team_cycles",
        optional=True,
        help_text=_("Empty: the default framework for teams."),
    )
    school_framework = fields.reference(
        Framework,
        _("framework for assisted schools"),
        related_name="school_cycles",
        optional=True,
        help_text=_("Empty: the default framework for assisted schools."),
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    status = fields.status(CycleStatus, default=CycleStatus.DRAFT)
    created_by = fields.user_reference(_("created by"), optional=True)
    created_at = fields.created_at()
    opened_at = fields.moment(_("opened at"))
    closed_at = fields.moment(_("closed at"))
    closed_by = fields.user_reference(_("closed by"), optional=True)
    provisional = models.BooleanField(
        _("provisional"),
        default=False,
        help_text=_(
            "Closed below the minimum completion of ratings: the results are "
            "provisional and no certificate is issued."
        ),
    )
    close_reason = models.TextField(
        _("reason for closing early"),
        blank=True,
        help_text=_("Why the cycle was closed below the minimum completion."),
    )

    class Meta:
        verbose_name = _("evaluation cycle")
        verbose_name_plural = _("evaluation cycles")
        ordering = ["-start_date", "-id"]
        constraints = [
            fields.dates_in_order("cycle_end_not_before_start"),
            fields.one_of("status", CycleStatus, "cycle_status_valid"),
            models.CheckConstraint(
                condition=Q(provisional=False) | ~Q(close_reason=""),
                name="cycle_provisional_has_a_reason",
            ),
        ]
        indexes = [models.Index(fields=["county", "status"])]

    def __str__(self) -> str:
        return self.name


class EvaluationStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("evaluation", "Pending")
    SCORED = "scored", pgettext_lazy("evaluation", "Scored")
    NO_DATA = "no_data", pgettext_lazy("evaluation", "Nothing to score")


class Evaluation(models.Model):
    """The evaluation of one subject (teacher, team or assisted school) in a cycle;
    once the cycle closes it carries the result: score, grade and rank."""

    cycle = fields.part_of(
        EvaluationCycle,
        _("cycle"),
        related_name="evaluations",
    )
    subject_type = models.CharField(
        _("subject type"), max_length=20, choices=SubjectType.choices
    )
    # One of the three, as subject_type says.
    teacher = fields.reference(
        "teams.Teacher", _("teacher"), related_name="evaluations", optional=True
    )
    team = fields.reference(
        "teams.Team", _("team"), related_name="evaluations", optional=True
    )
    school = fields.reference(
        "places.School", _("school"), related_name="evaluations", optional=True
    )
    status = fields.status(EvaluationStatus, default=EvaluationStatus.PENDING)
    score = models.DecimalField(
        _("score"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    grade = models.CharField(_("grade"), max_length=10, blank=True)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    breakdown = models.JSONField(_("breakdown"), default=dict, blank=True)
    flags = models.JSONField(_("flags"), default=list, blank=True)

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["cycle_id", "rank", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        subject_type="teacher",
                        teacher__isnull=False,
                        team__isnull=True,
                        school__isnull=True,
                    )
                    | Q(
                        subject_type="team",
                        team__isnull=False,
                        teacher__isnull=True,
                        school__isnull=True,
                    )
                    | Q(
                        subject_type="school",
                        school__isnull=False,
                        teacher__isnull=True,
                        team__isnull=True,
                    )
                ),
                name="evaluation_one_subject",
            ),
            models.UniqueConstraint(
                fields=["cycle", "teacher"], name="evaluation_unique_teacher"
            ),
            models.UniqueConstraint(
                fields=["cycle", "team"], name="evaluation_unique_team"
            ),
            models.UniqueConstraint(
                fields=["cycle", "school"], name="evaluation_unique_school"
            ),
            fields.between("score", 0, 100, "evaluation_score_0_100", nullable=True),
        ]

    def __str__(self) -> str:
        return f"{self.cycle} · {self.subject_type} {self.subject_id}"

    @property
    def subject_id(self) -> int | None:
        return self.teacher_id or self.team_id or self.school_id

    @property
    def subject(self):
        return self.teacher or self.team or self.school

    @property
    def subject_name(self) -> str:
        subject = self.subject
        return subject.name if subject is not None else ""


class RatingStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("rating", "Pending")
    SUBMITTED = "submitted", pgettext_lazy("rating", "Submitted")


class Rating(models.Model):
    """A rating task: one rater's scores on the subjective indicators of an
    evaluation."""

    evaluation = fields.part_of(Evaluation, _("evaluation"), related_name="ratings")
    rater = fields.user_reference(_("rater"), related_name="ratings")
    rater_role = models.CharField(
        _("rater role"), max_length=20, choices=RaterRole.choices
    )
    status = fields.status(RatingStatus, default=RatingStatus.PENDING)
    comment = models.TextField(_("comment"), blank=True)
    submitted_at = fields.moment(_("submitted at"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "rater", "rater_role"], name="rating_unique_task"
            )
        ]
        indexes = [models.Index(fields=["rater", "status"])]

    def __str__(self) -> str:
        return f"{self.rater} → {self.evaluation}"


class RatingScore(models.Model):
    rating = fields.part_of(Rating, _("rating"), related_name="scores")
    indicator = fields.reference(
        Indicator, _("indicator"), related_name="rating_scores"
    )
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rating score")
        verbose_name_plural = _("rating scores")
        constraints = [
            models.UniqueConstraint(
                fields=["rating", "indicator"], name="rating_score_unique_indicator"
            ),
            fields.between("score", 0, 100, "rating_score_0_100"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code}: {self.score}"


class AppealStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("appeal", "Awaiting an answer")
    ANSWERED = "answered", pgettext_lazy("appeal", "Answered")


class Appeal(models.Model):
    """A subject's appeal against a result of a closed cycle, and the
    coordinator's answer, which may revise the score (with a reason)."""

    evaluation = fields.part_of(Evaluation, _("result"), related_name="appeals")
    appellant = fields.user_reference(_("appealed by"))
    reason = models.TextField(_("reason for the appeal"))
    status = fields.status(AppealStatus, default=AppealStatus.OPEN)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = fields.user_reference(_("answered by"), optional=True)
    answered_at = fields.moment(_("answered at"))
    previous_score = models.DecimalField(
        _("score before"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    revised_score = models.DecimalField(
        _("revised score"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    created_at = fields.created_at()

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation"],
                condition=Q(status="open"),
                name="appeal_one_open_per_result",
            ),
            fields.one_of("status", AppealStatus, "appeal_status_valid"),
            fields.between(
                "revised_score", 0, 100, "appeal_revised_score_0_100", nullable=True
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation} · {self.get_status_display()}"
