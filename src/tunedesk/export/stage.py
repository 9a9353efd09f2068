"""The export stage: a training run → merged safetensors, GGUF (F16 and quantized) or an Ollama Modelfile, each
checked against the model it came from (same greedy reply to a fixed prompt)."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from rich.console import Console
from rich.table import Table

from tunedesk.export.check import CheckResult, check_gguf, check_merge
from tunedesk.export.gguf import (
    check_quant_types,
    convert_to_gguf,
    find_converter,
    gguf_file_name,
    quantize_gguf,
    require_llama_cpp,
)
from tunedesk.export.merged import merged_files, reusable_merged, write_merged
from tunedesk.export.ollama import modelfile_for, ollama_command, ollama_model_name
from tunedesk.export.runfolder import ExportError, read_manifest, replace_dir, staging_dir, write_manifest
from tunedesk.models.run import RunModel, RunModelError, base_folder, base_hash_warning, load_tokenizer, read_run
from tunedesk.progress import Reporter, SilentReporter
from tunedesk.prompt.precedents import FILE_NAME as PRECEDENTS

ExportFormat = Literal["merged", "gguf", "ollama"]
FORMATS: tuple[str, ...] = ("merged", "gguf", "ollama")


@dataclass
class ExportResult:
    """What one export wrote, how long each step took, and the self-check's outcome with both replies."""

    run_id: str
    format: str
    out_dir: Path
    files: dict[str, Path] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    """Bytes per entry of `files` (a folder counts its files)."""
    seconds: dict[str, float] = field(default_factory=dict)
    check: CheckResult | None = None
    reused: list[str] = field(default_factory=list)
    """Steps taken from an earlier export of the same weights instead of being redone."""
    warnings: list[str] = field(default_factory=list)
    ollama_command: str | None = None

    @property
    def ok(self) -> bool:
        """False when the self-check ran and failed (the CLI exits non-zero; the files are kept to inspect)."""
        return self.check is None or self.check.status != "failed"

    def add_file(self, label: str, path: Path) -> None:
        """Record a file (or folder) written or reused, with its size."""
        self.files[label] = path
        self.sizes[label] = _size(path)

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape printed by `export --json`."""
        return {"run": self.run_id, "format": self.format, "out_dir": str(self.out_dir), "ok": self.ok,
                "files": {k: str(v) for k, v in self.files.items()}, "sizes": self.sizes,
                "seconds": {k: round(v, 2) for k, v in self.seconds.items()},
                "check": self.check.as_dict() if self.check else None, "reused": self.reused,
                "warnings": self.warnings, "ollama_command": self.ollama_command}


def export_run(run_dir: Path, fmt: ExportFormat, out_dir: Path | None = None, quantize: Sequence[str] = ("q8_0",),
               check: bool = True, reporter: Reporter | None = None) -> ExportResult:
    """Export a finished run as `fmt` into `out_dir` (default `<run>/export/<fmt>`); gguf builds on the merged
    export and ollama on the gguf one, reusing those made earlier from the same weights."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}: choose from {', '.join(FORMATS)}")
    try:
        return _export(read_run(run_dir), fmt, out_dir, quantize, check, reporter or SilentReporter())
    except RunModelError as exc:  # the run's model cannot be read: that is why it cannot be exported
        raise ExportError(str(exc)) from exc


def _export(run: RunModel, fmt: ExportFormat, out_dir: Path | None, quantize: Sequence[str], check: bool,
            reporter: Reporter) -> ExportResult:
    kinds = check_quant_types(list(quantize)) if fmt != "merged" else []
    modelfile = None
    # An untranslatable template and every missing tool are reported before the slow steps, not after them.
    if fmt == "ollama":
        gguf_name = gguf_file_name(run.id, kinds[0] if kinds else "f16")
        modelfile = modelfile_for(load_tokenizer(run.model_dir), gguf_name)
    if fmt != "merged":
        find_converter()
        if kinds or check:
            require_llama_cpp()
    exports = run.path / "export"
    out = Path(out_dir).expanduser().resolve() if out_dir else exports / fmt
    result = ExportResult(run.id, fmt, out)
    merged_dir = out if fmt == "merged" else exports / "merged"
    _merged(run, merged_dir, result, reporter, reuse=fmt != "merged", check=check and fmt == "merged")
    if fmt != "merged":
        gguf_dir = out if fmt == "gguf" else exports / "gguf"
        _gguf(run, merged_dir, gguf_dir, kinds, result, reporter, check=check, reuse=fmt == "ollama")
    if modelfile is not None:
        _ollama(run, gguf_dir / gguf_name, out, modelfile, result)
    _carry_precedents(run, out, result)
    return result


def _carry_precedents(run: RunModel, out: Path, result: ExportResult) -> None:
    """The run's precedent index beside the exported model: the model was trained to answer with precedents,
    and whoever serves the export (tunedesk, or anything else) needs the same index."""
    index = run.path / PRECEDENTS
    if index.is_file():
        shutil.copyfile(index, out / PRECEDENTS)
        result.add_file("precedent index", out / PRECEDENTS)


@contextmanager
def _timed(result: ExportResult, step: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    result.seconds[step] = time.perf_counter() - started


def _merged(run: RunModel, out: Path, result: ExportResult, reporter: Reporter, reuse: bool, check: bool) -> None:
    if reuse and reusable_merged(run, out):
        result.reused.append("merged")
    else:
        warning = base_hash_warning(run, base_folder(run)) if run.is_adapter else None
        result.warnings += [warning] if warning else []
        with reporter.task("merge adapter into base" if run.is_adapter else "save whole model"), \
                _timed(result, "merged"):
            write_merged(run, out)
        manifest = _new_manifest(run, "merged")
        if check:
            _checked(manifest, result, reporter, "check merged model", lambda: check_merge(run, out))
        write_manifest(out, manifest)
    result.add_file("merged model", out)
    for label, path in merged_files(out).items():
        result.add_file(label, path)


def _new_manifest(run: RunModel, fmt: str, **extra: object) -> dict[str, Any]:
    """What export.json records: format, run, the weights' fingerprint, when, plus format-specific fields."""
    return {"format": fmt, "run_id": run.id, "source": run.fingerprint(),
            "created": datetime.now(UTC).isoformat(timespec="seconds"), **extra}


def _checked(manifest: dict[str, Any], result: ExportResult, reporter: Reporter, label: str,
             check: Callable[[], CheckResult]) -> None:
    """Run a self-check, timed and shown, and keep its outcome in the result and the manifest."""
    with reporter.task(label), _timed(result, "check"):
        result.check = check()
    manifest["check"] = result.check.as_dict()


def _gguf(run: RunModel, merged_dir: Path, out: Path, kinds: list[str], result: ExportResult, reporter: Reporter,
          check: bool, reuse: bool) -> None:
    f16 = out / gguf_file_name(run.id, "f16")
    names = {kind: gguf_file_name(run.id, kind) for kind in kinds}
    manifest = read_manifest(out) if reuse else None
    reusable, earlier_check = _reusable_gguf(manifest, run, [f16, *(out / n for n in names.values())], check)
    if reusable:
        result.reused.append("gguf")
        result.check = earlier_check
    else:
        _write_gguf(run, merged_dir, out, names, result, reporter)
        manifest = _new_manifest(run, "gguf", files=[f16.name, *names.values()])
        if check:
            _checked(manifest, result, reporter, "check GGUF F16 against merged model",
                     lambda: check_gguf(merged_dir, f16))
        write_manifest(out, manifest)
    result.add_file("gguf f16", f16)
    for kind, name in names.items():
        result.add_file(f"gguf {kind}", out / name)


def _reusable_gguf(manifest: dict[str, Any] | None, run: RunModel, files: list[Path],
                   check: bool) -> tuple[bool, CheckResult | None]:
    """Whether an earlier GGUF export of the same weights can stand in for a new one, and its check."""
    if not manifest or manifest.get("format") != "gguf" or manifest.get("source") != run.fingerprint():
        return False, None
    try:
        earlier = CheckResult(**manifest["check"]) if manifest.get("check") else None
    except TypeError:  # an export.json edited by hand or from another version: redo rather than trust it
        return False, None
    checked = earlier is not None and earlier.passed
    return all(f.is_file() for f in files) and (checked or not check), earlier if check else None


def _write_gguf(run: RunModel, merged_dir: Path, out: Path, names: dict[str, str], result: ExportResult,
                reporter: Reporter) -> None:
    tmp = staging_dir(out)
    f16 = tmp / gguf_file_name(run.id, "f16")
    try:
        with reporter.task("convert to GGUF F16"), _timed(result, "gguf f16"):
            convert_to_gguf(merged_dir, f16, run.id)
        with reporter.task("quantize", total=len(names)) as task:
            for kind, name in names.items():
                with _timed(result, kind):
                    warning = quantize_gguf(f16, tmp / name, kind)
                result.warnings += [warning] if warning else []
                task.advance()
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    replace_dir(tmp, out)


def _ollama(run: RunModel, gguf: Path, out: Path, modelfile: str, result: ExportResult) -> None:
    tmp = staging_dir(out)
    try:
        try:  # a hard link costs no space; another file system needs a copy
            os.link(gguf, tmp / gguf.name)
        except OSError:
            shutil.copyfile(gguf, tmp / gguf.name)
        (tmp / "Modelfile").write_text(modelfile, encoding="utf-8")
        write_manifest(tmp, {"format": "ollama", "run_id": run.id, "source": run.fingerprint(),
                             "created": datetime.now(UTC).isoformat(timespec="seconds"), "files": [gguf.name]})
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    replace_dir(tmp, out)
    result.add_file("ollama gguf", out / gguf.name)
    result.add_file("Modelfile", out / "Modelfile")
    result.ollama_command = ollama_command(out, ollama_model_name(run.id))


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size if path.is_file() else 0


def print_export(result: ExportResult, console: Console) -> None:
    """The files written with their sizes, the time each step took, the self-check (both replies when it failed),
    and the command to load the model into Ollama."""
    table = Table(title=f"export {result.format} · run {result.run_id}", title_justify="left")
    table.add_column("file", no_wrap=True)
    table.add_column("size", justify="right", no_wrap=True)
    table.add_column("path")
    for label, path in result.files.items():
        table.add_row(label, _human(result.sizes.get(label, 0)), str(path))
    console.print(table)
    steps = [f"{step} {seconds:.1f} s" for step, seconds in result.seconds.items()]
    steps += [f"{step} reused from an earlier export" for step in result.reused]
    if steps:
        console.print("steps: " + " · ".join(steps), highlight=False)
    _print_check(result.check, console)
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    if result.ollama_command:
        console.print(f"load it into Ollama:  {result.ollama_command}", highlight=False)


def _print_check(check: CheckResult | None, console: Console) -> None:
    if check is None:
        console.print("self-check: not run")
    elif check.status == "skipped":
        console.print(f"self-check: skipped ({check.reason})")
    elif check.passed:
        console.print(f"self-check [green]passed[/]: {check.compared}, same greedy reply "
                      f"({len(check.expected_tokens)} tokens)")
    else:
        console.print(f"self-check [red]FAILED[/]: {check.compared}: {check.reason}")
        console.print(f"  expected: {check.expected_reply!r}", highlight=False)
        console.print(f"  exported: {check.actual_reply!r}", highlight=False)


def _human(size: int) -> str:
    value = float(size)
    for unit in ("B", "kB", "MB"):
        if value < 1000:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.2f} GB"
