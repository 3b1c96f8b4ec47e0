"""The spreadsheet framework stands beside ``common`` and knows no domain: it
imports no other app of the project, and its own words (the template sheet, its
checks of cells and rows, the reader's refusals) are in its own catalogue."""

import ast
import gettext
import re
from pathlib import Path

from django.conf import settings
from django.utils import translation

from spreadsheets.imports import unknown_choice

BASE = Path(settings.BASE_DIR)
APP = BASE / "spreadsheets"
CATALOGUE = APP / "locale" / "zh_Hans" / "LC_MESSAGES"
MARKERS = {"_", "gettext", "gettext_lazy"}


def _sources():
    return sorted(APP.glob("*.py"))


def _project_packages() -> set[str]:
    return {
        path.parent.name
        for path in BASE.glob("*/__init__.py")
        if path.parent.name != "spreadsheets"
    }


def test_the_framework_imports_no_other_app_of_the_project():
    project = _project_packages()
    assert {"accounts", "needs", "teams", "assist_platform"} <= project
    found = []
    for source in _sources():
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            else:
                continue
            found += [(source.name, n) for n in names if n.split(".")[0] in project]
    assert found == []


def _messages() -> set[str]:
    messages = set()
    for source in _sources():
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in MARKERS
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                messages.add(node.args[0].value)
    return messages


def test_every_message_of_the_framework_is_in_its_own_compiled_catalogue():
    messages = _messages()
    assert len(messages) > 30  # the template's words, the checks, the refusals
    with (CATALOGUE / "django.mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)._catalog
    assert sorted(m for m in messages if not catalogue.get(m)) == []
    text = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in text
    assert not re.search(r'^msgstr ""\n\n', text, re.M)


def test_the_frameworks_words_are_chinese_by_default_and_english_on_request():
    assert unknown_choice("红", ["是", "否"]) == "「红」不是有效选项，可选：是、否。"
    with translation.override("en"):
        assert unknown_choice("红", ["是", "否"]) == "「红」 is not one of: 是、否."
