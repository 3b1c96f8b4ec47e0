"""The team proposals speak Chinese by default."""

import re
from pathlib import Path

from django.conf import settings
from django.utils import translation

from planning import formation
from planning.policies import TEAM_PROPOSAL

CATALOGUE = Path(settings.BASE_DIR) / "planning" / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_catalogue_is_complete_and_compiled():
    text = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    assert (CATALOGUE / "django.mo").exists()
    untranslated = [
        entry
        for entry in text.split("\n\n")[1:]
        if re.search(r'^msgstr(\[0\])? ""\n?$', entry, re.M)
        and not re.search(r'^msgstr(\[0\])? ""\n"', entry, re.M)
    ]
    assert untranslated == []
    assert "#, fuzzy" not in text


def test_actions_and_reasons_are_chinese_by_default():
    with translation.override("zh-hans"):
        assert str(TEAM_PROPOSAL.actions["confirm"].label) == "确认"
    assert formation.NO_LEADER == "no_leader"
