"""Serve the few files of npm packages that the pages use (installed at set-up time
by ``make install``; never from a CDN, nothing committed), under ``vendor/``.

Only these files are found and collected, not the whole of ``node_modules``.
Without them (npm not run) the dashboard shows its figures without charts."""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

# static path prefix -> (directory under node_modules, files in it)
ASSETS = {
    "vendor/chartjs": ("chart.js/dist", ("chart.umd.min.js", "chart.umd.min.js.map")),
}


def _node_modules() -> Path:
    return Path(settings.BASE_DIR) / "node_modules"


class NodeAssetsFinder(BaseFinder):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.storages = {}
        for prefix, (directory, _files) in ASSETS.items():
            storage = FileSystemStorage(location=_node_modules() / directory)
            storage.prefix = prefix
            self.storages[prefix] = storage

    def check(self, **kwargs):
        return []

    def _locate(self, path: str) -> str | None:
        prefix, _, name = path.rpartition("/")
        if prefix not in ASSETS or name not in ASSETS[prefix][1]:
            return None
        location = Path(self.storages[prefix].location) / name
        return str(location) if location.is_file() else None

    def find(self, path, find_all=False, **kwargs):
        found = self._locate(path)
        if find_all or kwargs.get("all"):
            return [found] if found else []
        return found or []  # "not found" is an empty list, as Django's finders say

    def list(self, ignore_patterns):
        for prefix, (_directory, files) in ASSETS.items():
            storage = self.storages[prefix]
            for name in files:
                if storage.exists(name):
                    yield name, storage
