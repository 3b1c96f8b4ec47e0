"""Activities sit above matching: no app below them imports them (DESIGN section 3),
at module level or inside a function."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

BELOW = ["common", "places", "accounts", "needs", "teams", "matching"]


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("app", BELOW)
def test_no_app_below_imports_activities(app):
    root = Path(settings.BASE_DIR) / app
    offenders = {
        str(path.relative_to(settings.BASE_DIR)): sorted(
            name for name in _imports(path) if name.split(".")[0] == "activities"
        )
        for path in root.rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}
