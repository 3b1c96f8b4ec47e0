"""Forms of the needs pages. They parse and show errors next to each field; the
rules are the services' (whose per-field errors the views put back on the form)."""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.scopes import visible
from common.forms import DateInput, text_box
from places.models import School, SchoolKind

from .fields import SpecialtyChoiceField
from .models import Need, NeedKind, Specialty, SpecialtyFamily
from .services import ReviewDecision, priority_weights

SCORE_CHOICES = [(n, str(n)) for n in range(1, 6)]


class NeedForm(forms.Form):
    """A need's fields. The specialty picker searches the whole catalogue; choosing a
    family first narrows it."""

    school = forms.ModelChoiceField(
        label=_("school"), queryset=School.objects.none(), required=False
    )
    family = forms.ModelChoiceField(
        label=_("specialty family"),
        queryset=SpecialtyFamily.objects.all(),
        empty_label=_("All families"),
        required=False,
        help_text=_("Optional: narrows the specialties below."),
    )
    specialty = SpecialtyChoiceField(
        label=_("specialty"), empty_label=_("Choose a specialty")
    )
    kind = forms.ChoiceField(label=_("kind"), choices=NeedKind.choices)
    title = forms.CharField(label=_("title"), max_length=120)
    description = text_box(
        _("description"),
        rows=5,
        required=False,
        help_text=_("What the school needs, for whom, and what is already there."),
    )
    headcount = forms.IntegerField(
        label=_("headcount"), initial=1, help_text=_("Teachers needed, 1-10.")
    )
    start_date = forms.DateField(label=_("start date"), widget=DateInput())
    end_date = forms.DateField(label=_("end date"), widget=DateInput())
    urgency = forms.TypedChoiceField(
        label=_("urgency"),
        coerce=int,
        choices=SCORE_CHOICES,
        initial=3,
        help_text=_("1 (low) to 5 (critical)."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user.is_admin:
            self.fields["school"].queryset = visible(
                user, School.objects.filter(kind=SchoolKind.ASSISTED)
            )
            self.fields["school"].required = True
        else:
            del self.fields["school"]
        self.fields["family"].widget.attrs.update(
            {
                "hx-get": reverse("needs:specialty_options"),
                "hx-target": "#id_specialty",
                "hx-trigger": "change",
                "hx-include": "this",
            }
        )
        family = self._chosen_family()
        if family is not None:
            self.fields["specialty"].queryset = Specialty.objects.current().filter(
                family=family
            )

    def _chosen_family(self):
        raw = (
            self.data.get(self.add_prefix("family"))
            if self.is_bound
            else self.initial.get("family")
        )
        if isinstance(raw, SpecialtyFamily):
            return raw
        try:
            return SpecialtyFamily.objects.filter(pk=int(raw)).first()
        except (TypeError, ValueError):
            return None

    @classmethod
    def initial_for(cls, need: Need) -> dict:
        return {
            "school": need.school_id,
            "family": need.specialty.family_id,
            "specialty": need.specialty_id,
            "kind": need.kind,
            "title": need.title,
            "description": need.description,
            "headcount": need.headcount,
            "start_date": need.start_date,
            "end_date": need.end_date,
            "urgency": need.urgency,
        }

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("family", None)
        if "school" in data and data["school"] is None:
            data.pop("school")
        return data


def _score_field(label, help_text) -> forms.TypedChoiceField:
    """One of the diagnosis's scores, 1 to 5, as radio buttons."""
    return forms.TypedChoiceField(
        label=label,
        coerce=int,
        choices=SCORE_CHOICES,
        required=False,
        widget=forms.RadioSelect,
        help_text=help_text,
    )


class ReviewForm(forms.Form):
    """The coordinator's diagnosis and decision."""

    urgency = _score_field(_("urgency"), _("How pressing the need is for the school."))
    students_affected = _score_field(
        _("students affected"), _("How many students the help would reach.")
    )
    industry_fit = _score_field(
        _("fit with local industry"),
        _("How well the need serves the county's industries."),
    )
    readiness = _score_field(
        _("school readiness"), _("Whether the school can make use of the help now.")
    )
    goals = text_box(
        _("Plan goals"),
        rows=4,
        required=False,
        help_text=_(
            "One measurable goal a line, e.g. train 4 local teachers in "
            "live-stream e-commerce."
        ),
    )
    comment = text_box(
        _("Comment"),
        rows=3,
        required=False,
        help_text=_(
            "Required to return (what to revise) or reject (the reason); shown to "
            "the school."
        ),
    )
    decision = forms.ChoiceField(
        choices=[
            (ReviewDecision.APPROVE, _("Approve")),
            (ReviewDecision.RETURN, _("Return for revision")),
            (ReviewDecision.REJECT, _("Reject")),
        ],
        widget=forms.HiddenInput,
    )

    score_fields = ("urgency", "students_affected", "industry_fit", "readiness")

    def score_bound_fields(self):
        return [self[name] for name in self.score_fields]

    @staticmethod
    def weights() -> dict[str, float]:
        return priority_weights()

    def diagnosis(self) -> dict | None:
        scores = {name: self.cleaned_data.get(name) for name in self.score_fields}
        if all(value in (None, "") for value in scores.values()):
            return None
        missing = [name for name, value in scores.items() if value in (None, "")]
        if missing:
            for name in missing:
                self.add_error(name, _("Give a score from 1 to 5."))
            return None
        return scores

    def goal_list(self) -> list[str]:
        return [
            line.strip()
            for line in self.cleaned_data.get("goals", "").splitlines()
            if line.strip()
        ]


class CancelForm(forms.Form):
    reason = text_box(_("Reason for cancelling"), rows=3)


class ConfirmForm(forms.Form):
    """Confirming a need fulfilled: a reason is required while the window has not
    started or no activity has been logged (``services.confirm_needs_reason``)."""

    reason = text_box(_("Why is it fulfilled already?"), rows=3, required=False)

    def __init__(self, *args, reason_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = reason_required


class ReopenForm(forms.Form):
    reason = text_box(_("Reason for reopening"), rows=3)
