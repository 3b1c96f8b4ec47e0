"""The fields of a list page's filter form (``filtered_list_page.html``): a label
and a search box, a date or a select whose first option is "All"."""

from django import template

register = template.Library()


@register.inclusion_tag("partials/filter.html")
def filter_input(field_id, name, label, value, kind="search", placeholder=""):
    """``<input>`` of type ``kind`` showing ``value`` (what the request asked for)."""
    return {
        "id": field_id,
        "name": name,
        "label": label,
        "value": value,
        "type": kind,
        "placeholder": placeholder,
    }


@register.inclusion_tag("partials/filter.html")
def filter_select(field_id, name, label, options, selected, value=None, text=None):
    """``<select>`` of ``options``: ``(value, text)`` pairs, or objects whose
    ``value`` and ``text`` attributes are named (each the object itself when not
    named); the one whose value is ``selected`` (a query-string value) is chosen."""
    choices = []
    for option in options:
        if isinstance(option, tuple):
            code, shown = option
        else:
            code = getattr(option, value) if value else option
            shown = getattr(option, text) if text else option
        choices.append((code, shown, str(code) == selected))
    return {"id": field_id, "name": name, "label": label, "choices": choices}
