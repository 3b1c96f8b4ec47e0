from django.conf import settings
from django.db import models
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
