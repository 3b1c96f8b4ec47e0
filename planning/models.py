from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from common import fields


class ScenarioStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed")


class Scenario(models.Model):
    """A named what-if: changes to a county's teachers, solved without writing any
    assignment; the result holds the baseline and the projection side by side."""

    name = models.CharField(_("name"), max_length=200)
    county = fields.reference(
        "places.County", _("county"), related_name="planning_scenarios"
    )
    changes = models.JSONField(_("changes"), default=list)
    status = fields.status(ScenarioStatus, default=ScenarioStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = fields.user_reference(
        _("created by"), on_delete=models.SET_NULL, optional=True
    )
    created_at = fields.created_at()
    started_at = fields.moment(_("started at"))
    finished_at = fields.moment(_("finished at"))

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
    county = fields.part_of(
        "places.County",
        _("county"),
        related_name="team_proposals",
    )
    school = fields.part_of(
        "places.School",
        _("school"),
        related_name="team_proposals",
        optional=True,
        help_text=_("Empty: the county's assisted schools."),
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    min_size = models.PositiveSmallIntegerField(_("smallest team"), default=3)
    max_size = models.PositiveSmallIntegerField(_("largest team"), default=8)
    status = fields.status(ProposalStatus, default=ProposalStatus.PROPOSED)
    members = models.ManyToManyField(
        "teams.Teacher",
        verbose_name=_("members"),
        blank=True,
        related_name="team_proposals",
    )
    leader = fields.reference(
        "teams.Teacher",
        _("leader"),
        related_name="led_team_proposals",
        on_delete=models.SET_NULL,
        optional=True,
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
    created_by = fields.user_reference(
        _("created by"), on_delete=models.SET_NULL, null=True
    )
    created_at = fields.created_at()
    updated_at = fields.updated_at()
    confirmed_at = fields.moment(_("confirmed at"))

    class Meta:
        verbose_name = _("team proposal")
        verbose_name_plural = _("team proposals")
        ordering = ["-created_at", "-id"]
        constraints = [
            fields.dates_in_order("team_proposal_end_not_before_start"),
            models.CheckConstraint(
                condition=Q(min_size__gte=1, max_size__gte=F("min_size")),
                name="team_proposal_size_range",
                violation_error_message=_(
                    "The largest team cannot be smaller than the smallest."
                ),
            ),
            fields.one_of("status", ProposalStatus, "team_proposal_status_valid"),
        ]

    def __str__(self) -> str:
        place = self.school.name if self.school_id else self.county.name
        return f"{place} {self.start_date:%Y-%m-%d}"
