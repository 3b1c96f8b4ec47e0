"""Forms of the matching pages: input shapes only; rules live in services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.scopes import visible
from places.models import County


class RunStartForm(forms.Form):
    """A coordinator picks one of their counties; an admin may leave it empty for
    a run of every county."""

    county = forms.ModelChoiceField(
        label=_("County"), queryset=County.objects.none(), required=True
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["county"]
        field.queryset = visible(user, County.objects.order_by("province", "name"))
        if user.is_admin:
            field.required = False
            field.empty_label = _("All counties")
        else:
            field.empty_label = None
