"""The plan-goals section of a need's page: each goal with where its marking stands
and its history, a form to mark it (the school's staff, the serving teachers) and
one to confirm or correct a waiting mark (the county's coordinators). The rules are
the ``GOAL`` policy and :mod:`needs.goals`; the posting views are
``views.need_goal_mark`` and ``views.need_goal_confirm``."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy, pgettext_lazy

from .attachments import KINDS
from .goals import NOTE_MAX_CHARS
from .models import GoalMarkAction, GoalOutcome, Need, PlanGoal
from .policies import GOAL, goal_marks_open


def goal_prefix(goal_id: int) -> str:
    return f"goal{goal_id}"


class GoalMarkForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"),
        choices=GoalOutcome.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=NOTE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("What was done, or what is missing, and how you know."),
    )
    # The files come from request.FILES.getlist("<prefix>-attachments"): the
    # template renders the file input; this field only carries its errors.
    attachments = forms.Field(label=gettext_lazy("Evidence"), required=False)


class GoalConfirmForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Confirmed outcome"),
        choices=[
            ("", pgettext_lazy("goal outcome", "As marked")),
            *GoalOutcome.choices,
        ],
        required=False,
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=NOTE_MAX_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Required when you correct the mark."),
    )


def goals_context(request, need: Need, bound: dict | None = None) -> dict:
    """The goals section: one row per goal with the forms the user may use on it.
    ``bound`` maps a goal id to a form posted with errors, shown in its place."""
    bound = bound or {}
    rows = []
    for goal in need.goals.all():
        prefix = goal_prefix(goal.pk)
        can = GOAL.allowed_actions(request.user, goal)
        posted = bound.get(goal.pk)
        marks = list(goal.marks.all())
        rows.append(
            {
                "goal": goal,
                "marks": marks,
                # The mark waiting for confirmation, shown without opening history.
                "last_mark": next(
                    (m for m in reversed(marks) if m.action == GoalMarkAction.MARK),
                    None,
                ),
                "actions": can,
                "mark_form": posted
                if isinstance(posted, GoalMarkForm)
                else GoalMarkForm(prefix=prefix),
                "confirm_form": posted
                if isinstance(posted, GoalConfirmForm)
                else GoalConfirmForm(prefix=prefix),
                "file_input": f"{prefix}-attachments",
            }
        )
    probe = PlanGoal(need=need)
    may_act = any(GOAL.may(request.user, action, probe) for action in GOAL.actions)
    return {
        "rows": rows,
        "open": goal_marks_open(need),
        # Say why nobody can mark yet, to those who will be able to.
        "not_yet": may_act and not goal_marks_open(need),
        "accept": ",".join(KINDS),
        "max_mb": f"{settings.ATTACHMENT_MAX_BYTES / (1024 * 1024):.3g}",
        "max_files": settings.ATTACHMENT_MAX_FILES,
    }
