"""The view-set shapes the API uses: every resource is listed, read one by one and
created; some are also changed with PATCH (never PUT: a partial change is the only
kind our clients send). Deleting is added where a resource allows it."""

from rest_framework import mixins, viewsets


class ListCreateViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """GET the list and one object, POST a new one."""


class ListCreatePatchViewSet(mixins.UpdateModelMixin, ListCreateViewSet):
    """Also PATCH an object."""

    http_method_names = ["get", "post", "patch", "head", "options"]
