"""Registries fill themselves on first lookup: the built-in modules, then third-party entry points."""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points


class Builtins:
    """Imports a registry's built-in modules (which register themselves) and its entry-point group, once."""

    def __init__(self, package: str, modules: tuple[str, ...], group: str | None = None) -> None:
        self.package, self.modules, self.group = package, modules, group
        self.loaded = False

    def load(self) -> None:
        """Import everything the first time; later calls do nothing."""
        if self.loaded:
            return
        self.loaded = True
        for module in self.modules:
            importlib.import_module(f"{self.package}.{module}")
        for ep in entry_points(group=self.group) if self.group else ():
            ep.load()
