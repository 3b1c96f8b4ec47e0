from django.db import models
from django.db.models import F


class NeedQuerySet(models.QuerySet):
    def open(self):
        """Approved needs with unfilled headcount: what matching considers."""
        return self.filter(status="open", filled__lt=F("headcount"))

    def visible_to(self, user):
        from accounts.scopes import visible

        return visible(user, self)


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
