"""Form pieces every app uses: the date picker, the box for free text, and putting
a service's errors onto the form the person filled in."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


class DateInput(forms.DateInput):
    """The browser's date picker, which reads and writes ISO dates whatever the
    language of the page."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):
        super().__init__(attrs, format)


def text_box(label, *, rows: int, **options) -> forms.CharField:
    """Free text typed in a box ``rows`` lines high (a description, a comment, a
    reason)."""
    return forms.CharField(
        label=label, widget=forms.Textarea(attrs={"rows": rows}), **options
    )


def add_service_errors(
    form: forms.Form, error: ValidationError, *, return_others: bool = False
) -> list[str]:
    """Put a service's ``ValidationError`` beside the form's fields. Messages about
    fields the form does not show go to the top of the form or, with
    ``return_others``, are returned for a page that shows them elsewhere (beside a
    formset, say)."""
    if not hasattr(error, "error_dict"):
        error = ValidationError({None: error.error_list})
    others: list[str] = []
    for field, errors in error.error_dict.items():
        if field in form.fields:
            for each in errors:
                form.add_error(field, each)
        elif return_others:
            others.extend(m for each in errors for m in each.messages)
        else:
            for each in errors:
                form.add_error(None, each)
    return others
