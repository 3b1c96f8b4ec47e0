#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "assist_platform.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    # Django defers a settings error so that `help` still works, and the command
    # then fails wherever it first needs a setting (with checks run in any order,
    # often as "Models aren't loaded yet"). Say what is wrong instead.
    try:
        settings.INSTALLED_APPS  # noqa: B018 -- loads the settings
    except ImproperlyConfigured as exc:
        sys.exit(f"Configuration error: {exc}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
