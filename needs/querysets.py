from django.db import models
from django.db.models import F


class NeedQuerySet(models.QuerySet):
    def open(self):
        """Approved needs with unfilled headcount: what matching considers."""
        return self.filter(status="open", filled__lt=F("headcount"))

    def visible_to(self, user):
        from accounts.scopes import visible

        return visible(user, self)
