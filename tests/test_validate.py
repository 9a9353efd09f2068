"""tunedesk validate: every check on a tiny fixture, the formats, the statistics, the estimate and --fix."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from tunedesk.checks.marker import add_marker
from tunedesk.errors import ConfigError, TunedeskError
from tunedesk.models.base import load_tokenizer
from tunedesk.prompt.system import SystemPrompt
from tunedesk.records import ChatTurn, Example
from tunedesk.scaffold import init_workspace
from tunedesk.trainfile.rows import FORMATS as BUILD_FORMATS
from tunedesk.trainfile.rows import to_row
from tunedesk.validate import ISSUE_CAP, SEVERITY, ValidationReport, print_report, run
from tunedesk.validate import estimate as est
from tunedesk.validate.stats import suggested_epochs
from tunedesk.workspace import Workspace

FIXTURES = Path(__file__).parent / "fixtures" / "validate"
MODEL = "smollm2-135m"


@pytest.fixture(scope="module")
def tokenizer() -> Any:
    """The embedded tokenizer, loaded once for the module (run() reuses the cached one)."""
    return load_tokenizer(MODEL)


@pytest.fixture(autouse=True)
def cpu_only(monkeypatch: pytest.MonkeyPatch, tokenizer: Any) -> None:
    """The estimate must not depend on whether the test machine has a GPU."""
    monkeypatch.setattr("tunedesk.validate.stage.detect_gpu", lambda: None)


def validate(name: str, **kwargs: Any) -> ValidationReport:
    return run(FIXTURES / name, **kwargs)


def codes(report: ValidationReport) -> set[str]:
    return {i.code for i in report.errors + report.warnings}


def only(report: ValidationReport, code: str) -> list[Any]:
    return [i for i in report.errors + report.warnings if i.code == code]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# --- a clean file -------------------------------------------------------------------------------------------------


def test_clean_file_has_no_errors_and_sensible_stats() -> None:
    report = validate("clean.jsonl")
    assert report.errors == [] and report.ok and report.exit_code == 0
    assert codes(report) == {"few_examples"}  # five examples; nothing else to say
    s = report.stats
    assert report.format == "openai" and report.rows == 5 and s["examples"] == 5
    assert s["by_kind"] == {"answer": 3, "escalation": 1, "refusal": 1}
    assert s["by_split"] == {"train": 4, "val": 1}
    assert s["messages_per_example"]["max"] == 5
    per_example, per_reply = s["tokens_per_example"], s["tokens_per_assistant_turn"]
    assert 20 < per_example["min"] <= per_example["median"] <= per_example["p95"] <= per_example["max"] < 200
    assert 5 < per_reply["min"] < per_reply["max"] < per_example["max"]
    assert s["over_max_length"] == 0
    # Six replies, each trained with its EOS: more than their content tokens, fewer than the whole examples.
    assert per_reply["mean"] * 6 < s["trained_tokens"] < sum([per_example["max"]] * 5)
    assert s["epochs"] == 20  # the cookbook: min(25, 100 // 5)
    assert s["training_tokens"] == 20 * s["tokens_per_epoch"]


def test_time_estimate_is_present_labelled_and_follows_the_cpu_basis() -> None:
    report = validate("clean.jsonl")
    t = report.stats["time_estimate"]
    assert t["label"] == "estimate" and t["available"] and t["device"] == "cpu" and t["method"] == "lora"
    assert "180 tokens/s" in t["basis"] and "2 CPU cores" in t["basis"]
    assert t["params"] == est.REFERENCE_PARAMS
    assert t["seconds"] == pytest.approx(report.stats["training_tokens"] / 180, rel=0.01)
    assert t["full_seconds"] == pytest.approx(t["seconds"] * 1.5, rel=0.01)


def test_time_estimate_on_a_gpu_uses_its_peak_at_35_percent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tunedesk.validate.stage.detect_gpu", lambda: "NVIDIA H100 80GB HBM3")
    t = validate("clean.jsonl").stats["time_estimate"]
    assert t["device"] == "NVIDIA H100 80GB HBM3" and "989" in t["basis"]
    assert t["seconds"] == pytest.approx(t["tokens"] * 4 * t["params"] / (989e12 * 0.35), abs=0.1)


@pytest.mark.parametrize(("name", "tflops"), [("NVIDIA H200", 989), ("NVIDIA A100-SXM4-80GB", 312),
                                              ("NVIDIA L40S", 362), ("NVIDIA L4", 121), ("NVIDIA A10G", 125),
                                              ("NVIDIA GeForce RTX 4090", 165), ("Tesla T4", 100)])
def test_gpu_peak_table(name: str, tflops: float) -> None:
    assert est.gpu_peak_tflops(name) == tflops


def test_parameter_count_of_a_model_folder(tmp_path: Path) -> None:
    config = {"hidden_size": 576, "num_hidden_layers": 30, "intermediate_size": 1536, "vocab_size": 49152,
              "num_attention_heads": 9, "num_key_value_heads": 3, "tie_word_embeddings": True}
    (tmp_path / "config.json").write_text(json.dumps(config))
    assert est.parameter_count(str(tmp_path)) == est.REFERENCE_PARAMS  # SmolLM2-135M's shape
    assert est.parameter_count(str(tmp_path / "missing")) is None
    assert est.training_time(1000, None, None)["available"] is False


@pytest.mark.parametrize(("examples", "epochs"), [(1, 25), (5, 20), (10, 10), (40, 3), (8333, 3), (10000, 2),
                                                  (100000, 1)])
def test_epoch_suggestion_matches_the_cookbook(examples: int, epochs: int) -> None:
    assert suggested_epochs(examples) == epochs


# --- the file and its rows -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "code", "line", "field"), [
    ("invalid_json.jsonl", "invalid_json", 2, None),
    ("not_an_object.jsonl", "not_an_object", 2, None),
    ("missing_messages.jsonl", "missing_messages", 2, "messages"),
    ("message_missing_key.jsonl", "message_missing_key", 2, "messages[0].role"),
    ("message_unrecognized_key.jsonl", "message_unrecognized_key", 2, "messages[1].tool_calls"),
    ("unrecognized_role.jsonl", "unrecognized_role", 2, "messages[1]"),
    ("missing_content.jsonl", "missing_content", 2, "messages[1]"),
    ("no_assistant_message.jsonl", "no_assistant_message", 2, None),
    ("roles_not_alternating.jsonl", "roles_not_alternating", 2, "messages[1]"),
    ("last_turn_not_assistant.jsonl", "last_turn_not_assistant", 2, "messages[2]"),
    ("special_token_in_content.jsonl", "special_token_in_content", 2, "messages[0]"),
    ("bad_escalation_marker.jsonl", "bad_escalation_marker", 2, "messages[1]"),
])
def test_each_error_fixture(name: str, code: str, line: int, field: str | None) -> None:
    report = validate(name)
    found = only(report, code)
    assert found, f"{code} not reported: {codes(report)}"
    assert found[0].severity == "error" and found[0].line == line and found[0].field == field
    assert report.exit_code == 1
    assert 1 not in {i.line for i in report.errors}, "the good first row must stay clean"


def test_tool_calls_and_roles_say_they_are_unsupported() -> None:
    key = only(validate("message_unrecognized_key.jsonl"), "message_unrecognized_key")[0]
    role = only(validate("unrecognized_role.jsonl"), "unrecognized_role")[0]
    assert "not supported" in key.message and "'tool'" in role.message


def test_bad_markers_unreadable_and_not_alone_on_the_last_line() -> None:
    found = only(validate("bad_escalation_marker.jsonl"), "bad_escalation_marker")
    assert [(i.line, "cannot be read" in i.message) for i in found] == [(2, False), (3, True)]
    assert "not alone on the last line" in found[0].message


def test_marker_and_kind_disagreeing_is_a_warning_both_ways() -> None:
    report = validate("marker_in_non_escalation.jsonl")
    found = only(report, "marker_in_non_escalation")
    assert [(i.line, i.severity) for i in found] == [(2, "warning"), (3, "warning")]
    assert "'answer'" in found[0].message and "no [[escalate" in found[1].message
    assert report.ok


@pytest.mark.parametrize(("name", "code", "lines"), [
    ("duplicate.jsonl", "duplicate", [3]),
    ("surrounding_whitespace.jsonl", "surrounding_whitespace", [2]),
    ("metadata_missing.jsonl", "metadata_missing", [2]),
    ("shared_prefix.jsonl", "shared_prefix", [None]),
    ("shouting.jsonl", "shouting", [None]),
    ("one_row.jsonl", "few_examples", [None]),
])
def test_each_warning_fixture(name: str, code: str, lines: list[int | None]) -> None:
    report = validate(name)
    found = only(report, code)
    assert [i.line for i in found] == lines and all(i.severity == "warning" for i in found)
    assert report.ok and report.exit_code == 0


def test_duplicate_names_the_first_occurrence_and_prefix_is_shown() -> None:
    assert "line 1" in only(validate("duplicate.jsonl"), "duplicate")[0].message
    assert "Classify the following" in only(validate("shared_prefix.jsonl"), "shared_prefix")[0].message


def test_metadata_missing_everywhere_is_one_file_level_warning() -> None:
    found = only(validate("shared_prefix.jsonl"), "metadata_missing")
    assert len(found) == 1 and found[0].line is None and "not written by `tunedesk build`" in found[0].message


@pytest.mark.parametrize(("name", "problem"), [("empty.jsonl", "empty"), ("not_utf8.jsonl", "not UTF-8"),
                                               ("no_such_file.jsonl", "no such file")])
def test_unreadable_file_is_one_error(name: str, problem: str) -> None:
    report = validate(name)
    assert [(i.code, i.field) for i in report.errors] == [("unreadable_file", "file")]
    assert problem in report.errors[0].message and report.exit_code == 1 and report.rows == 0


def test_issues_are_capped_per_code_but_counted(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{oops\n" * (ISSUE_CAP + 200), encoding="utf-8")
    report = run(bad)
    assert len(report.errors) == ISSUE_CAP and report.counts["invalid_json"] == ISSUE_CAP + 200
    data = report.as_dict()
    assert data["capped"] == {"invalid_json": ISSUE_CAP + 200} and len(data["errors"]) == ISSUE_CAP
    assert data["errors"][0] == {"code": "invalid_json", "severity": "error", "message": data["errors"][0]["message"],
                                 "line": 1, "field": None}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(
    st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                 lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                 max_leaves=8),
    st.fixed_dictionaries({"messages": st.lists(st.fixed_dictionaries({
        "role": st.sampled_from(["system", "user", "assistant", "tool", 3, None]),
        "content": st.one_of(st.text(max_size=30), st.none(), st.integers())}), max_size=4)}),
    st.fixed_dictionaries({"conversations": st.lists(st.dictionaries(st.sampled_from(["from", "value", "x"]),
                                                                     st.text(max_size=10)), max_size=3)}),
), min_size=1, max_size=6))
def test_any_json_content_is_reported_never_raised(tmp_path: Path, rows: list[Any]) -> None:
    path = tmp_path / "fuzz.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    report = run(path, max_length=64, fix_path=tmp_path / "fixed.jsonl")
    json.dumps(report.as_dict())
    assert all(i.line is not None for i in report.errors)
    fixed = run(tmp_path / "fixed.jsonl", max_length=64)
    assert fixed.errors == [] or (report.written == 0 and [i.code for i in fixed.errors] == ["unreadable_file"])


def test_every_code_has_a_fixed_severity() -> None:
    assert set(SEVERITY.values()) == {"error", "warning"}
    assert SEVERITY["reply_cut_off"] == "error" and SEVERITY["duplicate"] == "warning"


# --- token limits, measured against the tokenizer's own chat template ------------------------------------------


def test_cut_off_boundaries_match_the_tokenizer(tmp_path: Path, tokenizer: Any) -> None:
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Where is my order?"},
                {"role": "assistant", "content": "It left our warehouse today."},
                {"role": "user", "content": "Thanks! And returns?"},
                {"role": "assistant", "content": "Unused items go back within 30 days of delivery."}]
    path = write_jsonl(tmp_path / "one.jsonl", [{"messages": messages}])
    prompt = len(tokenizer.apply_chat_template(messages[:-1], add_generation_prompt=True, tokenize=True)["input_ids"])
    total = len(tokenizer.apply_chat_template(messages, tokenize=True)["input_ids"])
    # ChatML: ...reply<|im_end|>\n — the EOS is the second-to-last token.
    expected = {prompt - 1: "no_trained_tokens", prompt: "no_trained_tokens", prompt + 1: "reply_cut_off",
                total - 2: "reply_cut_off", total - 1: "too_long", total: None}
    for max_length, code in expected.items():
        found = codes(run(path, max_length=max_length))
        length_codes = found & {"no_trained_tokens", "reply_cut_off", "too_long"}
        assert length_codes == ({code} if code else set()), f"max_length={max_length}: {found}"
    assert run(path, max_length=total).stats["tokens_per_example"]["max"] == total
    # Only the newline after the EOS is cut: --fix keeps the row rather than lose a good reply.
    assert run(path, max_length=total - 1, fix_path=tmp_path / "fixed.jsonl").written == 1


@pytest.mark.parametrize(("name", "code"), [("reply_cut_off.jsonl", "reply_cut_off"),
                                            ("no_trained_tokens.jsonl", "no_trained_tokens")])
def test_long_fixtures(name: str, code: str) -> None:
    report = validate(name, max_length=64)
    assert [(i.code, i.line, i.field) for i in report.errors] == [(code, 1, "messages[1]")]
    assert report.stats["over_max_length"] == 1
    assert validate(name, max_length=1024).ok


def test_trained_tokens_stop_at_max_length() -> None:
    short = validate("reply_cut_off.jsonl", max_length=64).stats
    full = validate("reply_cut_off.jsonl", max_length=1024).stats
    assert 0 < short["trained_tokens"] < full["trained_tokens"]
    assert short["trained_tokens"] == 64 - (full["tokens_per_example"]["max"] - full["trained_tokens"] - 1)


# --- custom chat templates -----------------------------------------------------------------------------------------


def test_template_without_eos_after_replies() -> None:
    report = validate("clean.jsonl", chat_template=str(FIXTURES / "no_eos.jinja"))
    found = only(report, "no_eos_after_assistant")
    assert len(found) == 5 and found[0].severity == "error" and found[0].line == 1
    assert "'<|im_end|>'" in found[0].message and "no_eos.jinja" in found[0].message
    assert "messages[2], messages[4]" in found[3].message  # both replies of the multi-turn example
    assert validate("clean.jsonl").ok  # the tokenizer's own template does put it there


def test_template_that_refuses_a_row_is_a_row_error() -> None:
    report = validate("clean.jsonl", chat_template=str(FIXTURES / "no_system.jinja"))
    found = only(report, "template_error")
    assert len(found) == 5 and "System role not supported" in found[0].message


def test_template_that_rewrites_contents_skips_the_position_checks() -> None:
    report = validate("clean.jsonl", chat_template=str(FIXTURES / "upper_contents.jinja"))
    assert only(report, "template_changes_content") and report.ok
    assert report.stats["tokens_per_example"]["max"] > 0


def test_broken_or_missing_template_file_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="syntax error"):
        validate("clean.jsonl", chat_template=str(FIXTURES / "broken.jinja"))
    with pytest.raises(ConfigError, match="cannot read"):
        validate("clean.jsonl", chat_template=str(FIXTURES / "missing.jinja"))


def test_model_without_chat_template(tmp_path: Path, tokenizer: Any) -> None:
    folder = tmp_path / "model"
    tokenizer.save_pretrained(folder)
    for extra in folder.glob("chat_template*"):
        extra.unlink()
    config = json.loads((folder / "tokenizer_config.json").read_text())
    config.pop("chat_template", None)
    (folder / "tokenizer_config.json").write_text(json.dumps(config))
    report = validate("clean.jsonl", model=str(folder))
    assert [i.code for i in report.errors] == ["no_chat_template"]
    assert "tokens_per_example" not in report.stats and report.stats["examples"] == 5


# --- formats ---------------------------------------------------------------------------------------------------


def test_prompt_completion_conventions_are_quiet_when_followed() -> None:
    report = validate("prompt_completion.jsonl")
    assert report.format == "prompt_completion" and report.ok
    assert not codes(report) & {"prompt_separator", "completion_leading_space", "completion_stop",
                                "surrounding_whitespace"}


def test_prompt_completion_advice() -> None:
    report = validate("prompt_completion_advice.jsonl")
    advice = {i.code: i for i in report.warnings}
    assert {"prompt_separator", "completion_leading_space", "completion_stop"} <= set(advice)
    assert "lines 1, 2" in advice["completion_leading_space"].message and report.ok
    assert "prompt_separator" not in codes(validate("clean.jsonl"))  # only for prompt/completion files


@pytest.mark.parametrize(("name", "fmt", "expected"), [
    ("prompt_completion.jsonl", "prompt_completion",
     # The separator and stop every row shares are the template's job in a chat: left out.
     [("user", "Where is my order?"), ("assistant", "You can follow it under Account > Orders.")]),
    ("format_instruction.jsonl", "instruction",
     [("system", "You are the customer support assistant of Trailhead Outfitters."),
      ("user", "Answer the customer.\n\nCan I return sale items?"),
      ("assistant", "Final Sale items cannot be returned.")]),
    ("format_sharegpt.jsonl", "sharegpt",
     [("system", "You are the customer support assistant of Trailhead Outfitters."), ("user", "Where is my order?"),
      ("assistant", "You can follow it under Account > Orders."), ("user", "Thanks!"),
      ("assistant", "You're welcome.")]),
])
def test_formats_convert_to_chat_messages(tmp_path: Path, name: str, fmt: str, expected: list[tuple[str, str]]) -> None:
    report = validate(name, fix_path=tmp_path / "fixed.jsonl")
    assert report.format == fmt and report.ok and report.stats["examples"] == 2
    first = read_jsonl(tmp_path / "fixed.jsonl")[0]
    assert [(m["role"], m["content"]) for m in first["messages"]] == expected
    assert run(tmp_path / "fixed.jsonl").format == "openai"


def test_instruction_without_input_and_ids_kept(tmp_path: Path) -> None:
    validate("format_instruction.jsonl", fix_path=tmp_path / "fixed.jsonl")
    rows = read_jsonl(tmp_path / "fixed.jsonl")
    assert rows[0]["id"] == "ins-1"
    assert rows[1]["messages"][0] == {"role": "user", "content": "Do you ship to Canada?"}


def test_format_override_and_unknown_format() -> None:
    report = validate("clean.jsonl", file_format="sharegpt")
    assert {i.code for i in report.errors} == {"missing_messages"} and len(report.errors) == 5
    with pytest.raises(ConfigError, match="not one of"):
        validate("clean.jsonl", file_format="alpaca")


def test_format_errors_in_other_formats(tmp_path: Path) -> None:
    sharegpt = write_jsonl(tmp_path / "s.jsonl", [{"conversations": [{"from": "human", "value": "Hi"},
                                                                     {"from": "observation", "value": "x"}]}])
    pc = write_jsonl(tmp_path / "p.jsonl", [{"prompt": "Hi", "completion": ""}, {"prompt": "Hi"}])
    assert {(i.code, i.field) for i in run(sharegpt).errors} == {
        ("unrecognized_role", "conversations[1]"), ("no_assistant_message", None)}
    assert {(i.code, i.line, i.field) for i in run(pc).errors} == {
        ("missing_content", 1, "completion"), ("message_missing_key", 2, "completion.completion"),
        ("missing_content", 2, "completion")}


# --- --fix -----------------------------------------------------------------------------------------------------


def test_fix_round_trip(tmp_path: Path) -> None:
    fixed = tmp_path / "fixed.jsonl"
    report = validate("messy.jsonl", max_length=128, fix_path=fixed)
    assert not report.ok and report.fixed_path == fixed
    assert report.fixes == {"surrounding_whitespace": 1, "roles_not_alternating": 2, "message_unrecognized_key": 1,
                            "missing_content": 1, "last_turn_not_assistant": 1, "no_trained_tokens": 1,
                            "special_token_in_content": 1}
    assert report.dropped == {"no_assistant_message": 1, "unrecognized_role": 1, "invalid_json": 1, "duplicate": 1,
                              "bad_escalation_marker": 1}
    rows = read_jsonl(fixed)
    assert report.written == len(rows) == 6
    assert [r.get("id") for r in rows] == ["ex-20", "ex-21", "ex-22", "ex-24", "ex-27", "ex-28"]
    assert rows[0]["messages"][1:] == [{"role": "user", "content": "Hi\n\nCan I return boots?"},
                                       {"role": "assistant", "content": "Yes, within 30 days."}]
    assert rows[1]["messages"][1] == {"role": "assistant", "content": "Yes!"}
    assert [m["role"] for m in rows[3]["messages"]] == ["user", "assistant"]
    assert rows[4]["messages"] == [{"role": "user", "content": "Hello again, is the tent coming?"},
                                   {"role": "assistant", "content": "Yes, it ships tomorrow."}]
    assert rows[5]["messages"][0]["content"] == "Hi"
    again = run(fixed, max_length=128)
    assert again.errors == [] and again.rows == 6


def test_fix_of_a_clean_file_changes_nothing(tmp_path: Path) -> None:
    report = validate("clean.jsonl", fix_path=tmp_path / "fixed.jsonl")
    assert report.fixes == {} and report.dropped == {} and report.written == 5
    original = read_jsonl(FIXTURES / "clean.jsonl")
    assert read_jsonl(tmp_path / "fixed.jsonl") == original


def test_fix_into_a_folder_is_a_clean_error(tmp_path: Path) -> None:
    with pytest.raises(TunedeskError, match="cannot write the fixed copy"):
        validate("clean.jsonl", fix_path=tmp_path)


def test_fix_drops_rows_too_long_even_after_trimming(tmp_path: Path) -> None:
    report = validate("reply_cut_off.jsonl", max_length=64, fix_path=tmp_path / "fixed.jsonl")
    assert report.dropped == {"reply_cut_off": 1} and report.written == 0
    assert (tmp_path / "fixed.jsonl").read_text() == ""


# --- the workspace's system prompt ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    root = tmp_path_factory.mktemp("ws")
    init_workspace(root, example=True, example_tickets=30)
    return Workspace.open(root)


def current_prompt(ws: Workspace, customer: str) -> str:
    dataset = ws.config.dataset
    return SystemPrompt.from_file(ws.policies(), ws.path(dataset.system_template),
                                  dataset.policy_facts).render(customer)


def test_stale_system_prompt_after_a_policy_change(tmp_path: Path, workspace: Workspace) -> None:
    question = "Can I still return my boots? I got them three weeks ago."
    row = {"id": "ex-1", "ticket_id": "zendesk:1", "kind": "answer", "split": "train",
           "messages": [{"role": "system", "content": current_prompt(workspace, question)},
                        {"role": "user", "content": question},
                        {"role": "assistant", "content": "Yes, unused items can be returned within 30 days."}]}
    other = {"messages": [{"role": "user", "content": "Do you ship to Canada?"},
                          {"role": "assistant", "content": "Yes, in 5 to 8 business days."}]}
    path = write_jsonl(tmp_path / "train.jsonl", [row, other])
    before = run(path, workspace=workspace)
    assert before.errors == [] and [i.line for i in only(before, "missing_system_prompt")] == [2]
    policies = workspace.path(workspace.config.policies)
    original, old_version = policies.read_text(encoding="utf-8"), workspace.policies().version
    try:
        changed = original.replace("returned within 30 days of delivery", "returned within 60 days of delivery")
        changed = changed.replace(f'version: "{old_version}"', 'version: "2027-01"')
        assert changed.count("60 days") >= 1 and "2027-01" in changed
        policies.write_text(changed, encoding="utf-8")
        ws = Workspace.open(workspace.root)
        after = run(path, workspace=ws, fix_path=tmp_path / "fixed.jsonl")
        stale = only(after, "stale_system_prompt")
        assert [(i.line, i.severity, i.field) for i in stale] == [(1, "error", "messages[0]")]
        assert "current: 2027-01" in stale[0].message and "60 days" in stale[0].message
        assert f"in the row: {old_version}" in stale[0].message
        assert after.stats["policy_versions"] == {old_version: 1}
        assert after.fixes == {"stale_system_prompt": 1, "missing_system_prompt": 1}
        assert run(tmp_path / "fixed.jsonl", workspace=ws).errors == []
        fixed = read_jsonl(tmp_path / "fixed.jsonl")
        assert "60 days" in fixed[0]["messages"][0]["content"]
        assert fixed[1]["messages"][0] == {"role": "system", "content": current_prompt(ws, "Do you ship to Canada?")}
    finally:
        policies.write_text(original, encoding="utf-8")


def built_examples(ws: Workspace) -> list[Example]:
    """Examples as build makes them: the current system prompt for the customer's words, a marker on escalations."""
    dialogues = [
        ("answer", ["Can I still return my boots? I got them three weeks ago."],
         ["Yes, unused items can be returned within 30 days of delivery."]),
        ("escalation", ["I want a refund for boots I wore for two months."],
         [add_marker("I'm sorry about that. I've passed this to our returns team.", "refund_exception")]),
        ("answer", ["Do you ship to Canada?", "And how long does it take?"],
         ["Yes, we ship to Canada.", "Standard shipping takes 5 to 8 business days."]),
    ]
    examples = []
    for i, (kind, questions, replies) in enumerate(dialogues):
        turns = [t for q, r in zip(questions, replies, strict=True)
                 for t in (ChatTurn(role="user", content=q), ChatTurn(role="assistant", content=r))]
        system = current_prompt(ws, "\n".join(questions))
        examples.append(Example(id=f"ex-{i}", ticket_id=f"zendesk:{i}", kind=kind, split="train", category="returns",
                                messages=[ChatTurn(role="system", content=system), *turns]))
    return examples


@pytest.mark.parametrize("fmt", BUILD_FORMATS)
def test_files_written_by_build_validate_cleanly_and_go_stale(tmp_path: Path, workspace: Workspace, fmt: str) -> None:
    path = write_jsonl(tmp_path / "train.jsonl", [to_row(e, fmt) for e in built_examples(workspace)])
    report = run(path, workspace=workspace)
    assert report.format == fmt and report.errors == [] and codes(report) == {"few_examples"}
    policies = workspace.path(workspace.config.policies)
    original = policies.read_text(encoding="utf-8")
    try:
        policies.write_text(original.replace("Trailhead Outfitters", "Summit Supply Co."), encoding="utf-8")
        stale = run(path, workspace=Workspace.open(workspace.root))
        assert [(i.code, i.line) for i in stale.errors] == [("stale_system_prompt", n) for n in (1, 2, 3)]
    finally:
        policies.write_text(original, encoding="utf-8")


def test_without_a_workspace_system_prompts_are_not_judged(tmp_path: Path) -> None:
    assert not codes(validate("clean.jsonl")) & {"stale_system_prompt", "missing_system_prompt"}


# --- the console ---------------------------------------------------------------------------------------------------


def test_console_groups_issues_by_code_with_counts_and_lines(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{oops\n" * 12 + (FIXTURES / "one_row.jsonl").read_text(), encoding="utf-8")
    console = Console(record=True, width=200)
    print_report(console, run(bad, fix_path=tmp_path / "fixed.jsonl"))
    text = console.export_text()
    assert text.count("invalid_json") == 2  # one table row, one line in the fix summary
    assert "1, 2, 3, 4, 5, …" in text and " 12 " in text
    assert "training time (estimate)" in text and "180 tokens/s" in text
    assert "12 error(s)" in text and "1 rows written" in text


def test_console_for_a_clean_file() -> None:
    console = Console(record=True, width=200)
    print_report(console, validate("clean.jsonl"))
    text = console.export_text()
    assert "no errors" in text and "tokens per example" in text and "answer 3" in text


# --- real third-party data -----------------------------------------------------------------------------------------


def test_bitext_requests_as_an_instruction_file(tmp_path: Path, shared_data: Path) -> None:
    source = shared_data / "bitext_customer_support" / "bitext_customer_support_2023-08_shared.csv"
    with source.open(encoding="utf-8", newline="") as fh:
        records = [r for _, r in zip(range(300), csv.DictReader(fh), strict=False)]
    rows = [{"instruction": r["instruction"], "input": "", "output": r["response"], "category": r["category"]}
            for r in records]
    report = run(write_jsonl(tmp_path / "bitext.jsonl", rows), max_length=2048)
    assert report.format == "instruction" and report.stats["examples"] == 300
    assert report.errors == [], report.errors[:3]
    assert sum(report.stats["by_category"].values()) == 300
    assert report.stats["tokens_per_assistant_turn"]["median"] > 50
