"""The dashboard's choice of county and period, shared by the page and the API."""

from __future__ import annotations

from django import forms
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from common.forms import DateInput
from places.models import County

from .queries import Period


class DashboardFilterForm(forms.Form):
    """``county`` (an id, blank for every county in scope), ``from`` and ``to``
    (ISO dates, inclusive). A county outside ``counties`` is not found (404), not a
    bad request: outside the scope an object does not exist."""

    county = forms.IntegerField(label=_("County"), required=False, min_value=1)

    def __init__(self, data=None, *, counties: list[County], **kwargs):
        super().__init__(data, **kwargs)
        self.counties = counties
        # "from" is a Python keyword, so these two are added by name.
        self.fields["from"] = forms.DateField(
            label=_("From"),
            required=False,
            input_formats=["%Y-%m-%d"],
            widget=DateInput,
        )
        self.fields["to"] = forms.DateField(
            label=_("To"),
            required=False,
            input_formats=["%Y-%m-%d"],
            widget=DateInput,
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("from"), cleaned.get("to")
        if start and end and end < start:
            self.add_error("to", _("The end of the period cannot be before its start."))
        return cleaned

    @property
    def period(self) -> Period:
        return Period(
            start=self.cleaned_data.get("from"), end=self.cleaned_data.get("to")
        )

    def chosen_county(self) -> County | None:
        """The county asked for, or ``None`` for all; ``Http404`` outside the scope."""
        county_id = self.cleaned_data.get("county")
        if county_id is None:
            return None
        for county in self.counties:
            if county.pk == county_id:
                return county
        raise Http404(_("No such county."))
