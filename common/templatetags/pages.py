"""What every page of an app shares, said once in ``base.html`` instead of in
each page."""

from functools import cache

from django import template
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.utils.html import format_html

register = template.Library()


@cache
def _app_stylesheet_path(app):
    path = f"{app}/{app}.css"
    return path if finders.find(path) else None


@register.simple_tag(takes_context=True)
def app_stylesheet(context):
    """The ``<link>`` to ``<app>/<app>.css``, where ``<app>`` is the folder of
    the page's template (``needs/need_list.html``: ``needs/needs.css``), when
    that app has a stylesheet; nothing for a page of no app (``error.html``)."""
    app, slash, _ = context.template.name.partition("/")
    path = _app_stylesheet_path(app) if slash else None
    if path is None:
        return ""
    return format_html('<link rel="stylesheet" href="{}">', static(path))
