"""The import graph follows the layers of DESIGN section 3.

Dependencies point one way, bottom to top::

    common <- places <- accounts <- needs <- teams <- matching <- activities
           <- planning <- evaluations <- dashboard <- demo

``spreadsheets`` sits beside ``common`` and knows no domain. ``assist_platform`` is
the wiring on top (settings, URLs, the Celery app, error pages): it may import any
app, and no app imports it. Every ``import`` statement counts, at module level or
inside a function, so a cycle cannot hide in a function body; and no module
imports one of the project's own modules inside a function (a late import is kept
for heavy third-party libraries only, such as the solver's).

The source is read with :mod:`ast`, so the test needs neither Django nor a database.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

LAYERS = [
    "common",
    "places",
    "accounts",
    "needs",
    "teams",
    "matching",
    "activities",
    "planning",
    "evaluations",
    "dashboard",
    "demo",
]
BESIDE_COMMON = {"spreadsheets"}
WIRING = "assist_platform"
APPS = [*LAYERS, *sorted(BESIDE_COMMON), WIRING]

# What the redesign has yet to remove; the list may only shrink.
KNOWN_APP_EDGES: set[tuple[str, str]] = set()
KNOWN_MODULE_CYCLES: list[set[str]] = []


def _modules() -> dict[str, Path]:
    found = {}
    for app in APPS:
        base = ROOT / app
        if not base.is_dir():
            continue
        for path in base.rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts:
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _imported(name: str, path: Path, modules: dict[str, Path]) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return _imported_from(name, path, tree, modules)


def _imported_from(
    name: str, path: Path, tree: ast.AST, modules: dict[str, Path]
) -> Iterator[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            targets = [module, *(f"{module}.{alias.name}" for alias in node.names)]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                yield target


def late_imports(name: str, path: Path, modules: dict[str, Path]) -> list[str]:
    """The project's modules that ``name`` imports inside a function body."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    late = {
        node: None
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(function)
        if isinstance(node, ast.Import | ast.ImportFrom)
    }
    body = ast.Module(body=list(late), type_ignores=[])
    return sorted(set(_imported_from(name, path, body, modules)))


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: set(_imported(name, path, modules)) for name, path in modules.items()}


def _app(module: str) -> str:
    return module.partition(".")[0]


def allowed(importer: str, imported: str) -> bool:
    """May app ``importer`` import app ``imported``?"""
    if importer in (imported, WIRING):
        return True
    if imported == WIRING:
        return False
    if imported in BESIDE_COMMON:
        return True
    if importer in BESIDE_COMMON:
        return imported == "common"
    return LAYERS.index(imported) < LAYERS.index(importer)


def app_violations(graph: dict[str, set[str]]) -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for module, targets in graph.items():
        for target in targets:
            edge = (_app(module), _app(target))
            if not allowed(*edge):
                found[edge].append(f"{module} -> {target}")
    return found


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(component)
    return found


def test_the_analysis_sees_imports_inside_functions_and_relative_ones(tmp_path):
    graph = {
        "a.x": set(),
        "a.y": {"a.x"},
        "a.x2": {"a.y"},
    }
    graph["a.x"].add("a.x2")
    assert cycles(graph) == [{"a.x", "a.y", "a.x2"}]

    source = "def f():\n    from . import models\n    import needs.models\n"
    path = tmp_path / "views.py"
    path.write_text(source)
    modules = {"accounts.views": path, "accounts.models": path, "needs.models": path}
    assert set(_imported("accounts.views", path, modules)) == {
        "accounts.models",
        "needs.models",
    }


def test_the_analysis_finds_late_imports_of_the_projects_modules(tmp_path):
    source = (
        "import needs.models\n"
        "def f():\n    from . import models\n    import scipy\n"
        "class C:\n    def g(self):\n        if True:\n"
        "            from needs.models import Need\n"
    )
    path = tmp_path / "views.py"
    path.write_text(source)
    modules = {"accounts.views": path, "accounts.models": path, "needs.models": path}
    assert late_imports("accounts.views", path, modules) == [
        "accounts.models",
        "needs.models",
    ]


def test_no_module_imports_the_projects_modules_inside_a_function():
    modules = _modules()
    found = {name: late_imports(name, path, modules) for name, path in modules.items()}
    found = {name: targets for name, targets in found.items() if targets}
    assert not found, "imported inside a function: " + "; ".join(
        f"{name} -> {', '.join(targets)}" for name, targets in sorted(found.items())
    )


def test_the_layers_are_read_the_right_way_round():
    assert allowed("needs", "accounts")
    assert not allowed("accounts", "needs")
    assert allowed("dashboard", "spreadsheets")
    assert not allowed("spreadsheets", "needs")
    assert not allowed("needs", WIRING)
    assert allowed(WIRING, "dashboard")


def test_each_app_imports_only_the_apps_below_it():
    found = app_violations(import_graph())
    new = {edge: where for edge, where in found.items() if edge not in KNOWN_APP_EDGES}
    assert not new, "\n".join(
        f"{a} may not import {b}: {', '.join(sorted(where)[:5])}"
        for (a, b), where in sorted(new.items())
    )
    gone = KNOWN_APP_EDGES - set(found)
    assert not gone, f"no longer found, remove from KNOWN_APP_EDGES: {sorted(gone)}"


def test_no_import_cycle_between_modules():
    found = cycles(import_graph())
    new = [c for c in found if c not in KNOWN_MODULE_CYCLES]
    assert not new, "import cycles: " + "; ".join(" <-> ".join(sorted(c)) for c in new)
    gone = [c for c in KNOWN_MODULE_CYCLES if c not in found]
    assert not gone, f"no longer found, remove from KNOWN_MODULE_CYCLES: {gone}"


def test_the_write_actions_take_the_acting_user_as_actor():
    """A write (a module-level function under ``transaction.atomic``) names the one
    who acts ``actor=``; ``user=`` is left for the account a write is about, next
    to its ``actor``."""
    found = []
    for name, path in _modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef):
                continue
            atomic = any("atomic" in ast.unparse(d) for d in node.decorator_list)
            keywords = {arg.arg for arg in node.args.kwonlyargs}
            if atomic and "user" in keywords and "actor" not in keywords:
                found.append(f"{name}.{node.name}")
    assert not found, "writes whose acting user is not actor=: " + ", ".join(found)


def test_the_readme_layout_names_every_folder_of_the_tree():
    """The README's layout table and the tree agree: each top-level folder of the
    project is in the table, and each folder the table names exists."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("\n## Layout\n", 1)[1].strip().split("\n\n", 1)[0]
    named = {
        cell.strip("`/")
        for row in table.splitlines()[2:]
        for cell in row.split("|")[1].replace(",", " ").split()
    }
    ignored = {"node_modules", "var", "test-artifacts"}
    folders = {
        path.name
        for path in ROOT.iterdir()
        if path.is_dir() and not path.name.startswith((".", "_"))
    } - ignored
    assert folders - named == set(), "folders missing from the README's layout"
    assert named - folders == set(), "the README's layout names missing folders"
