"""Every string this issue adds is translated to Chinese, the default language."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from teams.imports import TEACHER_COLUMNS

CATALOGUES = [
    Path(settings.BASE_DIR) / "teams" / "locale" / "zh_Hans" / "LC_MESSAGES",
    Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES",
]


@pytest.mark.parametrize("directory", CATALOGUES, ids=["teams", "project"])
def test_catalogue_is_complete_and_compiled(directory):
    text = (directory / "django.po").read_text(encoding="utf-8")
    assert (directory / "django.mo").exists()
    entries = text.split("\n\n")[1:]  # after the header
    untranslated = [
        entry
        for entry in entries
        if re.search(r'^msgstr(\[0\])? ""\n?$', entry, re.M)
        and not re.search(r'^msgstr(\[0\])? ""\n"', entry, re.M)
    ]
    assert untranslated == []
    assert "#, fuzzy" not in text


def test_headers_are_chinese_by_default_and_english_on_request():
    assert str(TEACHER_COLUMNS[0].header) == "姓名"
    with translation.override("en"):
        assert str(TEACHER_COLUMNS[0].header) == "Name"
