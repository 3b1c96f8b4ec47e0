"""Serializer fields the API repeats."""

from rest_framework import serializers


def optional_text(**kwargs) -> serializers.CharField:
    """A text field that may be left out or blank, then read as ``""``."""
    return serializers.CharField(required=False, allow_blank=True, default="", **kwargs)
