"""The site's URLs plus one view that fails, to see the 500 page (tests only)."""

from django.urls import path

from assist_platform.urls import *  # noqa: F403 -- the handlers come along
from assist_platform.urls import urlpatterns as site_patterns


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom), *site_patterns]
