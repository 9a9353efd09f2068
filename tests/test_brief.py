"""`tunedesk brief`: the training brief of a workspace — every section written from the workspace's data, missing
sections named with their command, the catalogue's formulas, the deployment config, and a recommendation that
follows the target."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from tunedesk.brief import catalogue as cat
from tunedesk.brief import stage
from tunedesk.brief.estimates import estimated_throughput, measured_throughput, phase_estimates
from tunedesk.brief.local import in_hub_cache
from tunedesk.brief.selection import deployment_of
from tunedesk.build import stage as build_stage
from tunedesk.clean import stage as clean_stage
from tunedesk.config import Config, load_config
from tunedesk.config.render import render_config
from tunedesk.errors import ConfigError
from tunedesk.ingest import stage as ingest_stage
from tunedesk.scaffold import init_workspace
from tunedesk.workspace import Workspace

SECTIONS = ["## 1. Corpus inventory", "## 2. Deployment target", "## 3. Base-model selection",
            "## 4. Recommended method", "## 5. Evaluation tasks and gate", "## 6. Time and cost per phase",
            "## 7. Risks in the data", "## 8. Phased plan"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("brief") / "ws"
    init_workspace(root, example=True, example_tickets=120)
    ws = Workspace.open(root)
    ingest_stage.run(ws)
    clean_stage.run(ws)
    build_stage.run(ws)
    return root


@pytest.fixture(scope="module")
def written(built: Path) -> stage.BriefSummary:
    return stage.run(Workspace.open(built), hub_cache=built / "no-hub-cache")


def test_a_built_workspace_gets_every_section_from_its_own_data(built: Path, written: stage.BriefSummary) -> None:
    md = Path(written.paths["brief_md"]).read_text(encoding="utf-8")
    page = Path(written.paths["brief_html"]).read_text(encoding="utf-8")
    facts = json.loads(Path(written.paths["brief_json"]).read_text(encoding="utf-8"))
    assert [s for s in SECTIONS if s in md] == SECTIONS
    assert md.index(SECTIONS[0]) < md.index(SECTIONS[2]) < md.index(SECTIONS[7])
    assert all(f"<h2>{s.removeprefix('## ')}</h2>" in page for s in SECTIONS)
    assert facts["missing"] == [] and "**Missing:**" not in md
    funnel = json.loads((built / "reports" / "clean_funnel.json").read_text(encoding="utf-8"))
    inv = facts["inventory"]
    assert inv["store"]["tickets"] == 120 and inv["store"]["by_source"] == {"zendesk": 120}
    assert inv["funnel"]["kept"] == funnel["kept"] and f"| **kept** | **{funnel['kept']:,}** |" in md
    assert inv["card"]["tokens"]["train"]["tokens"] > 0
    assert {r["name"] for r in facts["selection"]["rows"]} == {c.name for c in cat.CATALOGUE}
    assert "| Qwen2.5-3B | 3.09B | Qwen Research License | no |" in md
    assert {g["key"] for g in facts["evaluation"]["gate"]} >= {"gate.min_score_3", "gate.min_escalation_recall"}
    assert facts["estimates"]["phases"][0]["basis"].startswith("measured")
    assert [p["phase"] for p in facts["plan"]] == ["1. brief", "2. calibration", "3. full run", "4. shadow",
                                                   "5. staged rollout"]


def test_the_risks_come_from_the_clean_and_build_records(written: stage.BriefSummary) -> None:
    risks = {r["risk"]: r for r in written.facts["risks"]}
    # 120 example tickets spread over 20 categories: every category is below the 30-ticket threshold
    assert risks["thin categories"]["level"] == "high"
    assert risks["PII density"]["level"] == "high"  # the example plants about two redactions per ticket
    card = written.facts["inventory"]["card"]
    contradictions = risks["answers contradicting the policies"]
    assert contradictions["figure"].startswith(str(card["contradictions"]))
    assert {"share of escalations", "duplicates", "near-twins of held-out replies"} <= set(risks)


def test_the_embedded_model_is_the_one_this_machine_loads(written: stage.BriefSummary) -> None:
    rows = {r["name"]: r for r in written.facts["selection"]["rows"]}
    assert rows["SmolLM2-135M"]["loadable"] == "embedded"
    assert not any(r["loadable"] for name, r in rows.items() if name != "SmolLM2-135M")
    assert written.facts["selection"]["start_with"] == {"model": "SmolLM2-135M", "from": "embedded"}


def test_a_model_in_the_local_hub_cache_counts_as_loadable(built: Path, tmp_path: Path) -> None:
    snapshot = tmp_path / "models--Qwen--Qwen2.5-0.5B-Instruct" / "snapshots" / "abc123"
    snapshot.mkdir(parents=True)
    assert not in_hub_cache("Qwen/Qwen2.5-0.5B-Instruct", tmp_path)  # a snapshot without config.json is not one
    (snapshot / "config.json").write_text("{}", encoding="utf-8")
    facts = stage.brief_facts(Workspace.open(built), hub_cache=tmp_path)
    rows = {r["name"]: r for r in facts["selection"]["rows"]}
    assert rows["Qwen2.5-0.5B"]["loadable"] == "hub cache" and rows["Qwen2.5-1.5B"]["loadable"] is None
    assert facts["selection"]["start_with"]["model"] == "Qwen2.5-0.5B"


def test_a_configured_model_folder_outside_the_catalogue_gets_its_own_row(built: Path, tmp_path: Path) -> None:
    folder = tmp_path / "acme-support-7b"
    folder.mkdir()
    config = {"hidden_size": 4096, "num_hidden_layers": 32, "intermediate_size": 11008, "vocab_size": 32000,
              "num_attention_heads": 32, "tie_word_embeddings": False, "max_position_embeddings": 4096}
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    facts = stage.brief_facts(Workspace.open(built, [f"model.base={folder}", "deployment.target=gpu-80gb"]),
                              hub_cache=built / "none")
    row = next(r for r in facts["selection"]["rows"] if r["name"] == "acme-support-7b (model.base)")
    assert row["params"] == pytest.approx(6.74e9, rel=0.01) and row["context"] == 4096
    assert row["loadable"] == f"folder {folder}" and row["commercial"] == "unknown"
    assert facts["selection"]["pick"]["model"] == "Qwen2.5-7B"  # an unknown licence is never recommended
    assert facts["selection"]["start_with"]["model"] == "acme-support-7b (model.base)"


@pytest.mark.parametrize(("target", "model", "method"), [
    ("cpu", "Qwen2.5-0.5B", "full"), ("gpu-24gb", "Qwen2.5-7B", "qlora"), ("gpu-80gb", "Qwen2.5-7B", "lora")])
def test_the_recommendation_follows_the_target(built: Path, target: str, model: str, method: str) -> None:
    facts = stage.brief_facts(Workspace.open(built, [f"deployment.target={target}"]), hub_cache=built / "none")
    assert (facts["selection"]["pick"]["model"], facts["method"]["method"]) == (model, method)
    assert facts["method"]["reason"]


def test_a_tight_latency_budget_and_a_teacher_make_it_distillation(built: Path) -> None:
    ws = Workspace.open(built, ["deployment.latency_p95_s=3", "train.teacher.model=/models/teacher"])
    facts = stage.brief_facts(ws, hub_cache=built / "none")
    assert facts["selection"]["pick"]["model"] == "SmolLM2-360M"
    assert facts["method"]["method"] == "distill"


def test_a_workspace_not_built_yet_names_what_is_missing(tmp_path: Path) -> None:
    root = tmp_path / "blank"
    init_workspace(root)
    summary = stage.run(Workspace.open(root), hub_cache=tmp_path / "none")
    md = Path(summary.paths["brief_md"]).read_text(encoding="utf-8")
    assert [m["command"].split()[1] for m in summary.facts["missing"]] == ["ingest", "clean", "build"]
    for command in ("ingest", "clean", "build"):
        assert f"run `tunedesk {command} -w {root}`" in md
    assert [s for s in SECTIONS if s in md] == SECTIONS
    assert not (root / "tunedesk.db").exists()  # reading the inventory never creates the store
    assert summary.facts["estimates"]["phases"][1]["hours"] is None


def test_an_ingested_workspace_lists_its_tickets_and_asks_for_clean(tmp_path: Path) -> None:
    root = tmp_path / "ingested"
    init_workspace(root, example=True, example_tickets=40)
    ws = Workspace.open(root)
    ingest_stage.run(ws)
    facts = stage.run(ws, hub_cache=tmp_path / "none").facts
    assert facts["inventory"]["store"]["tickets"] == 40
    md = (root / "reports" / "brief.md").read_text(encoding="utf-8")
    assert "Tickets by category (before cleaning):" in md and f"run `tunedesk clean -w {root}`" in md
    assert [m["command"].split()[1] for m in facts["missing"]] == ["clean", "build"]
    assert facts["estimates"]["phases"][0]["basis"].startswith("estimate")


def test_memory_formulas_on_known_numbers() -> None:
    assert cat.memory_gb(7e9, "full") == 135.4  # 1.2 × 16 B × 7e9 + 1 GB
    assert cat.memory_gb(7e9, "lora") == 19.14  # 1.2 × (2 B × 7e9 + 1 % × 16 B × 7e9) + 1 GB
    assert cat.memory_gb(7e9, "qlora") == 7.07  # 1.2 × (0.5625 B × 7e9 + 1.12e9 B) + 1 GB
    assert cat.memory_gb(7e9, "inference") == 17.8
    assert cat.serving_memory_gb(7e9, cat.TARGETS["cpu"]) == 5.72  # 4-bit GGUF
    with pytest.raises(ValueError, match="unknown method"):
        cat.memory_gb(7e9, "dora")


def test_speed_formulas_on_known_numbers() -> None:
    assert cat.decode_tokens_per_s(7e9, cat.TARGETS["gpu-80gb"]) == 87.4  # 0.6 × 2039 GB/s / 14 GB
    assert cat.decode_tokens_per_s(7e9, cat.TARGETS["cpu"]) == 6.3  # 0.5 × 50 GB/s / 3.94 GB
    assert cat.decode_tokens_per_s(7e9, cat.TARGETS["multi-gpu"], gpus=4) == 279.6  # × 4 GPUs × 0.8
    assert cat.prefill_seconds(7e9, 1000, cat.TARGETS["gpu-80gb"]) == pytest.approx(0.1496, abs=1e-4)
    assert cat.reply_seconds(7e9, 1000, 150, cat.TARGETS["gpu-80gb"]) == round(0.1496 + 150 / 87.4, 2)


def test_training_throughput_is_measured_when_a_run_matches(tmp_path: Path) -> None:
    run = tmp_path / "runs" / "20261201-100000-full"
    run.mkdir(parents=True)
    record = {"method": "full", "base": {"name": "smollm2-135m"}, "final": {"tokens_per_s": 412.5}}
    (run / "run.json").write_text(json.dumps(record), encoding="utf-8")
    # a run recorded before training and validation seconds were kept apart: its wall-clock rate
    assert measured_throughput(tmp_path, "SmolLM2-135M", "full") == {
        "tokens_per_s": 412.5, "seconds_per_val_pass": None,
        "source": "measured: runs/20261201-100000-full (wall clock, validation passes included)"}
    assert measured_throughput(tmp_path, "SmolLM2-135M", "lora") is None
    dep = deployment_of(Config.model_validate({"deployment": {"target": "gpu-80gb"}}), 800)
    # 312 TFLOPs × 35 % / (6 × 1e9) = 18,200 tokens/s
    assert estimated_throughput(1e9, "full", dep)["tokens_per_s"] == 18200.0


def test_the_time_estimate_counts_training_steps_at_their_own_speed_and_each_validation_pass_apart(
        tmp_path: Path) -> None:
    # 7,000 tokens in 1,900 s, of which 2 validation passes took 1,200 s: 10 tokens/s of training, 600 s a pass
    run = tmp_path / "runs" / "20261201-100000-full"
    run.mkdir(parents=True)
    final = {"tokens_per_s": 3.7, "tokens": 7000, "seconds": 1900.0, "eval_seconds": 1200.0, "train_seconds": 700.0}
    record = {"method": "full", "base": {"name": "smollm2-135m"}, "final": final}
    (run / "run.json").write_text(json.dumps(record), encoding="utf-8")
    rows = [{"step": 0, "eval_loss": 1.6}, {"step": 5, "loss": 1.2}, {"step": 10, "eval_loss": 1.1}]
    (run / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    speed = measured_throughput(tmp_path, "SmolLM2-135M", "full")
    assert speed is not None and speed["tokens_per_s"] == 10.0 and speed["seconds_per_val_pass"] == 600.0
    config = Config.model_validate({"train": {"max_steps": 90, "batch_tokens": 100, "eval_every": 40,
                                              "calibration": {"shares": [0.1, 0.2]}}})
    tokens = {"train": {"tokens": 50_000}}
    inv: dict[str, Any] = {"card": {"examples": {"holdout": 10, "val": 5}, "tokens": tokens}, "store": {"tickets": 100}}
    dep = deployment_of(config, 800)
    phases = {p["phase"]: p for p in phase_estimates(tmp_path, config, inv, dep, "SmolLM2-135M", "full")["phases"]}
    # 9,000 tokens at 10/s = 900 s, and passes at steps 0, 40, 80 and 90 = 2,400 s
    assert phases["full run"]["hours"] == round(3300 / 3600, 5)
    # 9 steps (900 tokens, 90 s) and 18 steps (1,800 tokens, 180 s), one pass each, at the end: calibration runs
    # validate at their last step only, whatever the full run's eval_every and eval_at_start
    assert phases["calibration runs"]["hours"] == round((90 + 180 + 2 * 600) / 3600, 5)
    # without a validation split there are no passes
    no_val = inv | {"card": {"examples": {"holdout": 10, "val": 0}, "tokens": tokens}}
    phases = {p["phase"]: p for p in phase_estimates(tmp_path, config, no_val, dep, "SmolLM2-135M", "full")["phases"]}
    assert phases["full run"]["hours"] == round(900 / 3600, 5)


def test_deployment_config_names_every_bad_key_at_once(tmp_path: Path) -> None:
    path = tmp_path / "tunedesk.yaml"
    path.write_text(yaml.safe_dump({"deployment": {"target": "tpu", "latency_p95_s": -1}}), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    keys = [p.split(":")[0] for p in caught.value.problems]
    assert keys == ["deployment.target", "deployment.latency_p95_s"]
    for target, gpus in (("gpu-24gb", 2), ("cpu", 1), ("multi-gpu", 1)):
        with pytest.raises(ConfigError, match=r"deployment\.gpus"):
            load_config(path, [f"deployment.target={target}", f"deployment.gpus={gpus}", "deployment.latency_p95_s=5"])
    ok = load_config(path, ["deployment.target=multi-gpu", "deployment.latency_p95_s=5"])
    assert ok.deployment.gpu_count() == 2


def test_the_scaffolded_config_documents_the_deployment_section(tmp_path: Path) -> None:
    text = render_config(Config())
    assert "\ndeployment:\n" in text and "  target: cpu\n" in text and "  latency_p95_s: 10.0\n" in text
    init_workspace(tmp_path / "ws")
    assert load_config(tmp_path / "ws" / "tunedesk.yaml").deployment.target == "cpu"


def test_the_command_writes_the_brief_and_escapes_the_page(built: Path) -> None:
    from tunedesk.cli.main import app

    result = CliRunner().invoke(app, ["brief", "-w", str(built), "name=<script>x</script>", "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["model"] == "Qwen2.5-0.5B" and set(shown["paths"]) == {"brief_md", "brief_html", "brief_json"}
    page = (built / "reports" / "brief.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;" in page
    bad = CliRunner().invoke(app, ["brief", "-w", str(built), "deployment.target=tpu"])
    assert isinstance(bad.exception, ConfigError) and bad.exception.problems[0].startswith("deployment.target")
