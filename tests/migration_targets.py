"""Where the migration tests take a database back to: the state just before a
change, whatever has been migrated in other apps since."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def before(*targets: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    """``targets`` and, for every other app, its latest migration that needs
    nothing after them (an app whose migrations all do is left unmigrated)."""
    graph = MigrationExecutor(connection).loader.graph
    pinned = {app for app, _ in targets}
    allowed = set()
    for app, name in targets:
        if name is not None:
            allowed.update(graph.forwards_plan((app, name)))
    excluded = {node for node in graph.nodes if node[0] in pinned} - allowed
    found = list(targets)
    for app in sorted({app for app, _ in graph.nodes} - pinned):
        fits = [
            node
            for node in graph.nodes
            if node[0] == app and not excluded.intersection(graph.forwards_plan(node))
        ]
        if fits:
            found.append(max(fits, key=lambda node: len(graph.forwards_plan(node))))
        else:
            found.append((app, None))
    return found
