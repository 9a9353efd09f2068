"""The shape of the package, kept by the suite: no circle between modules, the shared primitives below the stages,
the stages in pipeline order (a stage imports only the shared packages and earlier stages), no module over 400
lines. Every import counts: at the top, inside functions, and under TYPE_CHECKING."""

from __future__ import annotations

import ast
import shutil
from collections import defaultdict
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

SHARED = ["errors", "records", "plugins", "progress", "gc_tuning", "text", "example", "config", "store", "checks",
          "prompt", "pii", "trainfile", "workspace", "scaffold", "models"]
"""The shared primitives, lowest first: each imports only those before it."""
STAGES = ["ingest", "clean", "build", "validate", "train", "export", "answer", "eval", "serve", "learn", "brief",
          "runbook", "cli"]
"""The stages in pipeline order: each imports the shared primitives and the stages before it, never one after."""
MAX_LINES = 400


def modules(root: Path) -> dict[str, Path]:
    """Every module under root/tunedesk by dotted name (a package by its own name)."""
    found = {}
    for path in root.rglob("*.py"):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imports(root: Path) -> dict[str, set[str]]:
    """module → the project modules it imports, with the packages whose `__init__` that import runs (except the
    module's own packages, which are already initialised when it runs)."""
    known = modules(root)
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in known.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            for target in _targets(node, package, known):
                graph[name].update(t for t in _with_parents(target)
                                   if t in known and t != name and not name.startswith(t + "."))
    return graph


def _targets(node: ast.AST, package: str, known: dict[str, Path]) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.startswith("tunedesk")]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        base = package.split(".")[: len(package.split(".")) - node.level + 1]
        module = ".".join([*base, node.module] if node.module else base)
    else:
        module = node.module or ""
    if not module.startswith("tunedesk"):
        return []
    return [f"{module}.{a.name}" if f"{module}.{a.name}" in known else module for a in node.names]


def _with_parents(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(2, len(parts) + 1)]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
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
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def unit(module: str) -> str:
    """The top-level package or module of tunedesk a module belongs to ("" for tunedesk itself)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def backward_imports(graph: dict[str, set[str]]) -> list[str]:
    """Imports that go up the layers: a shared primitive importing a stage or a higher primitive, or a stage
    importing a later stage."""
    order = {name: rank for rank, name in enumerate(["", *SHARED, *STAGES, "__main__"])}
    wrong = []
    for source, targets in sorted(graph.items()):
        for target in sorted(targets):
            a, b = unit(source), unit(target)
            if a != b and order[b] > order[a]:
                wrong.append(f"{source} imports {target}")
    return wrong


def long_modules(root: Path) -> list[str]:
    """Modules over MAX_LINES lines."""
    return [f"{name}: {n} lines" for name, path in sorted(modules(root).items())
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES]


def test_every_package_has_a_place_in_the_layers() -> None:
    units = {unit(m) for m in modules(SRC)}
    assert units <= {"", "__main__", *SHARED, *STAGES}, units - {"", "__main__", *SHARED, *STAGES}


def test_no_circle_between_modules() -> None:
    assert cycles(imports(SRC)) == []


def test_no_import_goes_backwards() -> None:
    assert backward_imports(imports(SRC)) == []


def test_no_module_over_400_lines() -> None:
    assert long_modules(SRC) == []


@pytest.fixture
def copy_of_src(tmp_path: Path) -> Path:
    shutil.copytree(SRC / "tunedesk", tmp_path / "tunedesk", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def _append(path: Path, line: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + f"\n\ndef _added() -> None:\n    {line}\n", encoding="utf-8")


def test_the_check_finds_a_reintroduced_circle(copy_of_src: Path) -> None:
    # the old circle: the guardrails' config validating guard names by importing the server's guards
    _append(copy_of_src / "tunedesk" / "config" / "guardrails.py", "from tunedesk.answer.guards import BEFORE")
    found = cycles(imports(copy_of_src))
    assert any("tunedesk.config.guardrails" in c and "tunedesk.answer.guards" in c for c in found)


def test_the_check_finds_a_circle_through_a_lazy_import(copy_of_src: Path) -> None:
    _append(copy_of_src / "tunedesk" / "cli" / "app.py", "import tunedesk.cli.main")
    assert any("tunedesk.cli.app" in c and "tunedesk.cli.main" in c for c in cycles(imports(copy_of_src)))


def test_the_check_finds_a_backwards_stage_import(copy_of_src: Path) -> None:
    # eval reaching into the server, and a shared primitive reaching into a stage
    _append(copy_of_src / "tunedesk" / "eval" / "metrics.py", "from tunedesk.serve.app import create_app")
    _append(copy_of_src / "tunedesk" / "models" / "embed.py", "from tunedesk.eval.judges.base import Item")
    wrong = backward_imports(imports(copy_of_src))
    assert "tunedesk.eval.metrics imports tunedesk.serve.app" in wrong
    assert "tunedesk.models.embed imports tunedesk.eval.judges.base" in wrong


def test_the_check_finds_a_long_module(copy_of_src: Path) -> None:
    path = copy_of_src / "tunedesk" / "records.py"
    path.write_text(path.read_text(encoding="utf-8") + "\n" * MAX_LINES, encoding="utf-8")
    assert "tunedesk.records" in [line.split(":")[0] for line in long_modules(copy_of_src)]
