"""Registries fill themselves on first lookup: the built-in modules, then third-party entry points."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Generic, TypeVar

from tunedesk.errors import ConfigError

T = TypeVar("T")


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


class Registry(Generic[T]):
    """Short names to plugins (classes or functions), filled by the `register` decorator — built-ins exactly as a
    third party would — and looked up by a config key, whose name an unknown plugin's error carries."""

    def __init__(self, kind: str, key: str, builtins: Builtins) -> None:
        self.kind, self.key, self.builtins = kind, key, builtins
        self.entries: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator: make a plugin available under `name` (a class also gets `name` as an attribute)."""

        def add(plugin: T) -> T:
            if isinstance(plugin, type):
                plugin.name = name  # type: ignore[attr-defined]
            self.entries[name] = plugin
            return plugin

        return add

    def names(self) -> list[str]:
        """Every registered name, in registration order."""
        self.builtins.load()
        return list(self.entries)

    def get(self, name: str) -> T:
        """The plugin registered under `name`, or a ConfigError naming the key and the known names."""
        self.builtins.load()
        if name not in self.entries:
            known = ", ".join(sorted(self.entries)) or "none"
            raise ConfigError(self.key, [f"{self.key}: unknown {self.kind} {name!r}; known {self.kind}s: {known}"])
        return self.entries[name]
