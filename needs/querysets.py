from django.db import models
from django.db.models import F, Prefetch

# The assignments that say who is proposed, coming or has served (not the declined
# or cancelled ones: a decline's reason about a named teacher is for coordinators).
PEOPLE_STATUSES = ("proposed", "accepted", "completed")


class NeedQuerySet(models.QuerySet):
    def open(self):
        """Approved needs with unfilled headcount: what matching considers."""
        return self.filter(status="open", filled__lt=F("headcount"))

    def with_people(self):
        """Prefetch each need's proposed, accepted and completed assignments with
        their teacher and home school, as ``need.people`` (two queries in all).

        The assignment model belongs to the matching app, above this one: it is
        reached through the reverse relation rather than imported."""
        assignment = self.model._meta.get_field("assignments").related_model
        return self.prefetch_related(
            Prefetch(
                "assignments",
                queryset=assignment.objects.filter(status__in=PEOPLE_STATUSES)
                .select_related("teacher__home_school", "teacher__user")
                .order_by("status", "teacher__name", "id"),
                to_attr="people",
            )
        )


class SpecialtyQuerySet(models.QuerySet):
    def current(self):
        """What forms, imports and the picker offer: the catalogue without retired
        entries (those stay only for the records that use them)."""
        return self.filter(retired=False)

    def search(self, text: str):
        """By code, name, former name or pinyin initials (dzsw finds 电子商务)."""
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(
            models.Q(code__startswith=text)
            | models.Q(name__icontains=text)
            | models.Q(aliases__icontains=text)
            | models.Q(initials__icontains=text.lower())
        )
