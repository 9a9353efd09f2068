"""Every `tunedesk` command in the user guide (and the README) parses against the real command line: the
commands, subcommands, options and overrides it shows exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer
from pydantic import ValidationError
from typer._click.exceptions import UsageError  # typer vendors its own click

from tunedesk.cli.main import app
from tunedesk.config import Config, merge, parse_overrides

ROOT = Path(__file__).parents[1]
DOCS = [ROOT / "docs" / "guide.md", ROOT / "README.md", ROOT / "docs" / "serving.md", ROOT / "docs" / "training.md",
        ROOT / "docs" / "quality.md", ROOT / "docs" / "brief.md", ROOT / "docs" / "runbook.md",
        ROOT / "docs" / "calibration.md"]
FENCE = re.compile(r"^```[a-z]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
COMMAND = re.compile(r"^\s*(?:[A-Z_]+=\S*\s+)*tunedesk\s")


def guide_commands() -> list[tuple[str, str]]:
    """(file, command line) for every line in a plain code block that runs `tunedesk` (env assignments allowed)."""
    found = []
    for path in DOCS:
        for block in FENCE.findall(path.read_text(encoding="utf-8")):
            for line in block.splitlines():
                if not COMMAND.match(line):  # printed output (a table, a report excerpt) need not parse as shell
                    continue
                words = shlex.split(line, comments=True)
                while words and re.match(r"^[A-Z_]+=", words[0]):
                    words = words[1:]
                if words and words[0] == "tunedesk":
                    found.append((path.name, " ".join(words)))
    return found


def demo_commands() -> list[tuple[str, str]]:
    """("Makefile", command line) for every `$(TD) …` line of the Makefile, its make variables expanded."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    variables = dict(re.findall(r"^([A-Z_]+)\s*[:?]?=\s*(.*)$", text, re.MULTILINE))
    found = []
    for line in re.findall(r"^\t-?\$\(TD\) (.*)$", text, re.MULTILINE):
        line = re.sub(r"\$\(([A-Z_]+)\)", lambda m: variables.get(m.group(1), "ws"), line)
        found.append(("Makefile", "tunedesk " + " ".join(line.split())))
    return found


COMMANDS = guide_commands() + demo_commands()


def test_the_guide_shows_the_whole_loop() -> None:
    used = {line.split()[1] for _, line in COMMANDS}
    assert {"init", "ingest", "clean", "build", "validate", "train", "eval", "report", "promote", "rollback",
            "serve", "review", "feedback", "retrain", "drift", "export", "models"} <= used


@pytest.mark.parametrize(("doc", "line"), COMMANDS, ids=[f"{d}:{line}" for d, line in COMMANDS])
def test_a_documented_command_parses(doc: str, line: str) -> None:
    words = shlex.split(line)[1:]
    command: Any = typer.main.get_command(app)
    name = "tunedesk"
    while hasattr(command, "commands"):  # a group
        sub = command.commands.get(words[0])
        assert sub is not None, f"{doc}: `{line}`: no command {words[0]!r}"
        name, command, words = f"{name} {words[0]}", sub, words[1:]
    try:
        command.make_context(name, list(words))
    except UsageError as exc:
        pytest.fail(f"{doc}: `{line}` does not parse: {exc.format_message()}")
    values = {i + 1 for i, w in enumerate(words) if w in ("-o", "--option")}  # importer options, not config keys
    overrides = [w for i, w in enumerate(words) if i not in values and re.match(r"^[a-z_]+(\.[a-z_]+)+=", w)]
    Config.model_validate(merge(Config().model_dump(mode="json"), parse_overrides(overrides)))  # keys and values


def test_the_demo_commands_are_checked_with_their_overrides() -> None:
    train = [line for doc, line in COMMANDS if doc == "Makefile" and line.startswith("tunedesk train")]
    assert train and "train.max_steps=" in train[0], train


def test_the_check_catches_a_wrong_option_and_a_wrong_key() -> None:
    with pytest.raises(pytest.fail.Exception, match="does not parse"):
        test_a_documented_command_parses("x", "tunedesk eval -w ws --modle base")
    with pytest.raises(ValidationError):
        test_a_documented_command_parses("x", "tunedesk serve -w ws serve.mode=sometimes")
