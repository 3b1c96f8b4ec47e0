"""One page size for every list: the pages' ``?page=`` and the API's."""

from django.conf import settings
from django.core.paginator import Page, Paginator
from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    page_size = settings.PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = settings.PAGE_SIZE_MAX


def page_of(request, queryset) -> Page:
    """The page of ``queryset`` that ``?page=`` asks for (the last one past the end,
    the first for nonsense)."""
    return Paginator(queryset, settings.PAGE_SIZE).get_page(request.GET.get("page"))


def query_without(request, *names: str) -> str:
    """The request's query string without ``names``: the filters a page's own links
    (the next page, an export) keep."""
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def paged(request, queryset) -> dict:
    """What ``partials/pagination.html`` needs: the page, and the query string its
    links keep."""
    return {
        "page": page_of(request, queryset),
        "params": query_without(request, "page"),
    }
