"""The view-set shapes the API uses: every resource is listed, read one by one and
created; some are also changed with PATCH (never PUT: a partial change is the only
kind our clients send). Deleting is added where a resource allows it."""

from rest_framework import mixins, viewsets
from rest_framework.decorators import action


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


def state_action(
    verb: str,
    service,
    *,
    subject: str,
    schema,
    body=None,
    url_path=None,
    policy_action=None,
):
    """``POST <pk>/<verb>/``: a change of state taken through a service. The
    view-set's ``policy`` checks that the caller may ``verb`` the object (or
    ``policy_action``, where the policy names it otherwise) (403, 409),
    ``body`` (a serializer, if any) validates the request (400), then
    ``service(<subject>=obj, actor=user, **data)`` acts and the view-set's
    ``_answer(obj)`` answers; ``schema`` is its ``extend_schema``."""

    def act(self, request, pk=None):
        obj = self.get_object()
        self.policy.check(request.user, policy_action or verb, obj)
        data = {}
        if body is not None:
            serializer = body(data=request.data, context=self.get_serializer_context())
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
        return self._answer(service(**{subject: obj}, actor=request.user, **data))

    act.__name__ = act.__qualname__ = verb.replace("-", "_")
    return schema(action(detail=True, methods=["post"], url_path=url_path)(act))


class SerializerPerActionMixin:
    # ``serializer_classes`` names the serializer of each action that does not use
    # ``serializer_class`` (a detail with more fields, a create with other input).
    # A comment, not a docstring: the schema takes a view's docstring as its
    # description.

    serializer_classes: dict = {}

    def get_serializer_class(self):
        return self.serializer_classes.get(self.action, self.serializer_class)


class ServiceWritesMixin:
    # POST and PATCH through the resource's services, never the serializer's save:
    # ``create_service(actor=, **fields)`` and ``update_service(actor=,
    # <subject>=obj, **changes)``. (A comment, not a docstring: the schema takes a
    # view's docstring as its description.)

    create_service = None
    update_service = None
    subject = ""

    def perform_create(self, serializer):
        serializer.instance = type(self).create_service(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = type(self).update_service(
            actor=self.request.user,
            **{self.subject: serializer.instance},
            **serializer.validated_data,
        )
