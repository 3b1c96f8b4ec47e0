from django.apps import AppConfig


class SpreadsheetsConfig(AppConfig):
    """No models: an app so that its catalogue (``locale/``) is found."""

    name = "spreadsheets"
