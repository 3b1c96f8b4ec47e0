from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class ScenarioStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed")


class Scenario(models.Model):
    """A named what-if: changes to a county's teachers, solved without writing any
    assignment; the result holds the baseline and the projection side by side."""

    name = models.CharField(_("name"), max_length=200)
    county = models.ForeignKey(
        "places.County",
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        related_name="planning_scenarios",
    )
    changes = models.JSONField(_("changes"), default=list)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ScenarioStatus.choices,
        default=ScenarioStatus.QUEUED,
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("planning scenario")
        verbose_name_plural = _("planning scenarios")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


# Team proposals (组团): the team the formation solver proposes for a school or a
# county, shaped by a coordinator, then confirmed as a team with its assignments.


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    INFEASIBLE = "infeasible", _("Infeasible")
    CONFIRMED = "confirmed", _("Confirmed")


class TeamProposal(models.Model):
    county = models.ForeignKey(
        "places.County",
        verbose_name=_("county"),
        on_delete=models.CASCADE,
        related_name="team_proposals",
    )
    school = models.ForeignKey(
        "places.School",
        verbose_name=_("school"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="team_proposals",
        help_text=_("Empty: the county's assisted schools."),
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    min_size = models.PositiveSmallIntegerField(_("smallest team"), default=3)
    max_size = models.PositiveSmallIntegerField(_("largest team"), default=8)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ProposalStatus.choices,
        default=ProposalStatus.PROPOSED,
    )
    members = models.ManyToManyField(
        "teams.Teacher",
        verbose_name=_("members"),
        blank=True,
        related_name="team_proposals",
    )
    leader = models.ForeignKey(
        "teams.Teacher",
        verbose_name=_("leader"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_team_proposals",
    )
    # [{"need", "teacher", "score", "breakdown"}]: who serves which need.
    coverage = models.JSONField(_("coverage"), default=list, blank=True)
    score = models.FloatField(_("score"), default=0)
    # The solver's own score, before any member was swapped by hand.
    best_score = models.FloatField(_("best score"), default=0)
    optimal = models.BooleanField(_("proven optimal"), default=False)
    gap = models.FloatField(_("gap to the bound"), default=0)
    solve_seconds = models.FloatField(_("solving time (s)"), default=0)
    # Why no team could be formed, or which needs no available teacher fits:
    # [{"code", "message"}].
    problems = models.JSONField(_("problems"), default=list, blank=True)
    team = models.OneToOneField(
        "teams.Team",
        verbose_name=_("team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposal",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("team proposal")
        verbose_name_plural = _("team proposals")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="team_proposal_end_not_before_start",
                violation_error_message=_(
                    "The end date cannot be before the start date."
                ),
            ),
            models.CheckConstraint(
                condition=Q(min_size__gte=1, max_size__gte=F("min_size")),
                name="team_proposal_size_range",
                violation_error_message=_(
                    "The largest team cannot be smaller than the smallest."
                ),
            ),
            models.CheckConstraint(
                condition=Q(status__in=ProposalStatus.values),
                name="team_proposal_status_valid",
            ),
        ]

    def __str__(self) -> str:
        place = self.school.name if self.school_id else self.county.name
        return f"{place} {self.start_date:%Y-%m-%d}"
