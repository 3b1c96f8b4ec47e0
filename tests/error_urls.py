"""The site's URLs plus views that fail (500) or refuse as asked too often (429),
to see those pages (tests only)."""

from django.urls import path

from assist_platform.urls import *  # noqa: F403 -- the handlers come along
from assist_platform.urls import urlpatterns as site_patterns
from common.errors import TooManyRequests


def boom(request):
    raise RuntimeError("a bug")


def too_often(request):
    raise TooManyRequests("同一操作过于频繁。", retry_after=120)


urlpatterns = [path("boom/", boom), path("too-often/", too_often), *site_patterns]
