"""tunedesk.yaml: typed, documented, every error at once naming the key, key=value overrides."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tunedesk.config import Config, explain, load_config, parse_overrides
from tunedesk.config.render import render_config
from tunedesk.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tunedesk.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_problem_reported_at_once_with_key_and_value(tmp_path: Path) -> None:
    path = write(tmp_path, "clean:\n  min_csat: 9\n  dedup: {threshold: abc}\n  bogus: 1\nsorces: []\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    problems = "\n".join(info.value.problems)
    assert len(info.value.problems) == 4
    assert "clean.min_csat" in problems and "9" in problems
    assert "clean.dedup.threshold" in problems and "'abc'" in problems
    assert "clean.bogus" in problems
    assert "sorces" in problems


def test_bad_regex_names_the_list_index(tmp_path: Path) -> None:
    path = write(tmp_path, "escalation:\n  rules:\n    - name: x\n      patterns: ['(unclosed']\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.problems[0].startswith("escalation.rules[0].patterns")


def test_overrides_are_typed_and_nested(tmp_path: Path) -> None:
    path = write(tmp_path, "clean:\n  min_csat: 4.5\n")
    config = load_config(path, ["clean.min_csat=4", "clean.single_exchange=false", "clean.dedup.num_perm=128"])
    assert config.clean.min_csat == 4.0
    assert config.clean.single_exchange is False
    assert config.clean.dedup.num_perm == 128


def test_malformed_override_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as info:
        parse_overrides(["clean.min_csat", "=3", "a..b=1"])
    assert len(info.value.problems) == 3


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_config(write(tmp_path, "- just\n- a list\n"))


def test_rendered_yaml_round_trips_and_documents_every_key(tmp_path: Path) -> None:
    config = Config(name="x")
    text = render_config(config)
    assert load_config(write(tmp_path, text)) == config
    comments = " ".join(line.strip().removeprefix("# ") for line in text.splitlines() if line.strip().startswith("#"))
    for key, _default, doc in explain():
        assert doc, f"config key {key} has no docstring"
        assert " ".join(doc.split()) in comments, f"the docstring of {key} is not written above it"


def test_yaml_is_plain_yaml(tmp_path: Path) -> None:
    data = yaml.safe_load(render_config(Config()))
    assert data["clean"]["min_csat"] == 4.5
    assert data["escalation"]["rules"][0]["name"] == "refund_exception"
