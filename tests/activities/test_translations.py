"""The activity pages, messages and API texts are in Chinese by default: the app's
catalogue is complete and compiled."""

import gettext
import re
from pathlib import Path

from django.conf import settings
from django.utils import translation

from activities.models import ActivityKind
from activities.views import ActivityForm

CATALOGUE = (
    Path(settings.BASE_DIR) / "activities" / "locale" / "zh_Hans" / "LC_MESSAGES"
)


def test_catalogue_is_complete_and_compiled():
    text = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    entries = [e for e in text.split("\n\n")[1:] if "msgid" in e]  # after the header
    assert len(entries) > 80
    untranslated = [
        entry
        for entry in entries
        if re.search(r'^msgstr(\[0\])? ""\n?$', entry, re.M)
        and not re.search(r'^msgstr(\[0\])? ""\n"', entry, re.M)
    ]
    assert untranslated == []
    assert "#, fuzzy" not in text
    # The compiled catalogue holds every entry of the source.
    with (CATALOGUE / "django.mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    missing = []
    for entry in entries:
        fields = {
            key: "".join(re.findall(r'"(.*)"', value)).replace('\\"', '"')
            for key, value in re.findall(
                r'^(msgctxt|msgid|msgid_plural|msgstr|msgstr\[0\]) ((?:".*"\n?)+)',
                entry,
                re.M,
            )
        }
        context, msgid = fields.get("msgctxt"), fields["msgid"]
        if "msgid_plural" in fields:
            found = catalogue.ngettext(msgid, fields["msgid_plural"], 1)
        elif context:
            found = catalogue.pgettext(context, msgid)
        else:
            found = catalogue.gettext(msgid)
        if found != fields.get("msgstr", fields.get("msgstr[0]")):
            missing.append(msgid)
    assert missing == []


def test_kinds_and_form_labels_are_chinese_by_default_and_english_on_request():
    with translation.override("zh-hans"):
        assert str(ActivityKind.MENTORING.label) == "师徒带教"
        assert str(ActivityForm.base_fields["hours"].label) != "Hours"
    with translation.override("en"):
        assert str(ActivityKind.MENTORING.label) == "Mentoring"
        assert str(ActivityForm.base_fields["hours"].label) == "Hours"
