"""Training: assistant-only labels, token-budget batches, the trained-positions loss, runs, resume and replay —
on a tiny random Llama with the SmolLM2 tokenizer and a dozen examples, a few steps each."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml

from tiny_model import tiny_model_folder
from tunedesk.config.stages import TrainConfig
from tunedesk.models.template import load_template
from tunedesk.scaffold import init_workspace
from tunedesk.store.runs import RunError, find_run, list_runs
from tunedesk.train import stage
from tunedesk.train.batching import Collator, micro_batches, padding_share
from tunedesk.train.data import IGNORE, encode_file, encode_messages
from tunedesk.train.setup import TrainError, check_method
from tunedesk.train.trainer import trained_positions_loss
from tunedesk.workspace import Workspace

pytestmark = pytest.mark.xdist_group("train")

SYSTEM = "You are the support assistant of Trailhead Outfitters. Returns are free within 30 days."
QUESTIONS = [
    ("Can I return my boots after three weeks?", "Yes, returns are free within 30 days of delivery."),
    ("How long do I have to send a jacket back?", "You have 30 days from delivery to return it for free."),
    ("Is shipping free?", "Standard shipping is free on orders over $75."),
    ("When are you open?", "Our team answers emails every day from 8 am to 8 pm."),
    ("Do tents have a warranty?", "Our own-brand tents carry a 2-year warranty against defects."),
    ("I want a refund outside the window, my manager approved it",
     "I'm sorry for the trouble. [[escalate: refund_exception]]"),
]


def _row(i: int, question: str, answer: str, split: str) -> dict:
    return {"id": f"t{i}", "ticket_id": f"zendesk:{i}", "category": "returns", "kind": "answer", "split": split,
            "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question},
                         {"role": "assistant", "content": answer}]}


@pytest.fixture(scope="module")
def tiny() -> str:
    return str(tiny_model_folder())


@pytest.fixture
def ws(tmp_path: Path, tiny: str) -> Workspace:
    init_workspace(tmp_path / "ws")
    data = tmp_path / "ws" / "data"
    data.mkdir()
    train = [_row(i, q + " " * (i // 6), a, "train") for i, (q, a) in enumerate(QUESTIONS * 3)]
    val = [_row(100 + i, q, a, "val") for i, (q, a) in enumerate(QUESTIONS[:3])]
    (data / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in train), encoding="utf-8")
    (data / "val.jsonl").write_text("".join(json.dumps(r) + "\n" for r in val), encoding="utf-8")
    return Workspace.open(tmp_path / "ws", _fast(tiny))


def _fast(tiny: str, *extra: str) -> list[str]:
    return [f"model.base={tiny}", "train.max_steps=4", "train.eval_every=2", "train.save_every=2",
            "train.batch_tokens=256", "train.micro_batch_tokens=256", "train.learning_rate=0.01", *extra]


def test_labels_cover_the_final_reply_and_its_eos_only(tiny: str) -> None:
    template = load_template(tiny)
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "Hi, can I return boots?"},
                {"role": "assistant", "content": "Earlier reply."}, {"role": "user", "content": "And socks?"},
                {"role": "assistant", "content": "Yes, within 30 days."}]
    encoded, why = encode_messages("x", messages, template, 1024)
    assert encoded is not None, why
    trained = [t for t in encoded.labels if t != IGNORE]
    assert template.tokenizer.decode(trained) == "Yes, within 30 days.<|im_end|>"
    prompt_len = encoded.labels.index(trained[0])
    assert all(x == IGNORE for x in encoded.labels[:prompt_len])
    both, why = encode_messages("x", messages, template, 1024, loss_on="all")
    assert both is not None, why
    assert template.tokenizer.decode([t for t in both.labels if t != IGNORE]) == (
        "Earlier reply.<|im_end|>Yes, within 30 days.<|im_end|>")


def test_long_examples_are_cut_from_the_left_or_set_aside(tiny: str) -> None:
    template = load_template(tiny)
    messages = [{"role": "system", "content": "policy " * 200}, {"role": "user", "content": "Return?"},
                {"role": "assistant", "content": "Yes, within 30 days."}]
    cut, why = encode_messages("x", messages, template, 64)
    assert cut is not None, why
    assert why == "truncated" and len(cut.input_ids) == 64
    assert template.tokenizer.decode([t for t in cut.labels if t != IGNORE]) == "Yes, within 30 days.<|im_end|>"
    long_reply = [*messages[:2], {"role": "assistant", "content": "word " * 100}]
    skipped, why = encode_messages("x", long_reply, template, 64)
    assert skipped is None and "does not fit train.max_length=64" in why


def test_unusable_rows_are_set_aside_with_the_reason(tmp_path: Path, tiny: str) -> None:
    path = tmp_path / "train.jsonl"
    good = _row(1, "Return?", "Yes.", "train")
    no_reply = {**good, "id": "t2", "messages": good["messages"][:2]}
    path.write_text(json.dumps(good) + "\n{not json\n" + json.dumps(no_reply) + "\n", encoding="utf-8")
    encoded = encode_file(path, load_template(tiny), 512)
    assert [e.id for e in encoded.examples] == ["t1"]
    reasons = {s.get("id", s["line"]): s["reason"] for s in encoded.skipped}
    assert "JSON" in reasons[2] and "assistant" in reasons["t2"]


def test_micro_batches_cover_every_example_once_within_the_budget() -> None:
    lengths = [17 + (i * 37) % 300 for i in range(500)]
    batches = micro_batches(lengths, 1024, seed=3)
    assert sorted(i for b in batches for i in b) == list(range(500))
    assert all(max(lengths[i] for i in b) * len(b) <= 1024 for b in batches)
    assert batches == micro_batches(lengths, 1024, seed=3)
    assert batches != micro_batches(lengths, 1024, seed=3, epoch=1)
    assert padding_share(batches, lengths) < 0.05
    naive = [list(range(i, i + 4)) for i in range(0, 500, 4)]
    assert padding_share(naive, lengths) > 0.3


def test_trained_positions_loss_equals_the_full_logits_loss(tiny: str) -> None:
    from transformers import LlamaForCausalLM

    # The real class, not tunedesk's CausalLM protocol: the test calls the model and reaches its decoder and head.
    model = LlamaForCausalLM.from_pretrained(tiny, dtype=torch.float32, local_files_only=True)
    template = load_template(tiny)
    encoded = [encode_messages(str(i), _row(i, q, a, "train")["messages"], template, 512)
               for i, (q, a) in enumerate(QUESTIONS[:3])]
    rows = [row for row, _ in encoded if row is not None]
    assert len(rows) == len(encoded), [why for _, why in encoded]
    pad_id = template.tokenizer.pad_token_id
    assert pad_id is not None
    batch = Collator(pad_id)([{"input_ids": r.input_ids, "labels": r.labels} for r in rows])
    reference = model(**batch).loss
    hidden = model.model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).last_hidden_state
    ours = trained_positions_loss(model.lm_head, hidden, batch["labels"])
    assert torch.allclose(ours, reference, atol=1e-5)


def test_qlora_is_refused_on_cpu_with_a_clear_message() -> None:
    if torch.cuda.is_available():
        pytest.skip("a GPU is visible: qlora may run here")
    with pytest.raises(TrainError, match=r"train.method=qlora needs a CUDA GPU.*train.method=lora"):
        check_method(TrainConfig(method="qlora"))


def test_a_lora_run_records_everything_and_the_loss_falls(ws: Workspace, tiny: str) -> None:
    summary = stage.run(ws, overrides=_fast(tiny))
    run = summary.run
    record = json.loads((run.path / "run.json").read_text())
    assert record["status"] == "completed" and record["steps"] == 4 and record["method"] == "lora"
    assert record["base"]["hash"] and record["data"]["train"]["sha256"] and record["versions"]["trl"]
    assert record["config"]["train"]["max_steps"] == 4
    resolved = yaml.safe_load((run.path / "config.yaml").read_text())
    assert resolved["model"]["base"] == tiny and resolved["train"]["max_steps"] == 4 and "dataset" in resolved
    from tunedesk.train.data import sha256_of

    assert sha256_of(run.path / "data" / "train.jsonl") == record["data"]["train"]["sha256"]  # the exact data kept
    assert record["policies"]["sha256"] and record["policies"]["version"]
    for name in ("adapter_config.json", "adapter_model.safetensors", "chat_template.jinja", "tokenizer.json"):
        assert (run.model_dir / name).is_file(), name
    assert (run.model_dir / "chat_template.jinja").read_text() == load_template(tiny).tokenizer.chat_template
    metrics = [json.loads(line) for line in (run.path / "metrics.jsonl").read_text().splitlines()]
    evals = [m["eval_loss"] for m in metrics if "eval_loss" in m]
    assert metrics[0]["step"] == 0 and len(evals) >= 3
    assert evals[-1] < evals[0] and record["final"]["val_loss_start"] == evals[0]
    assert (run.path / "loss.png").read_bytes()[:4] == b"\x89PNG"
    assert find_run(ws.root, "latest").id == run.id and [r.id for r in list_runs(ws.root)] == [run.id]


def test_full_fine_tuning_saves_a_whole_model(ws: Workspace, tiny: str) -> None:
    overrides = _fast(tiny, "train.method=full", "train.max_steps=2", "train.learning_rate=0.001")
    ws = Workspace.open(ws.root, overrides)
    run = stage.run(ws, overrides=overrides).run
    assert run.record["status"] == "completed" and (run.model_dir / "model.safetensors").is_file()
    assert not (run.model_dir / "adapter_config.json").exists()


class _Interrupt(Exception):
    pass


def test_resume_continues_from_the_checkpoint_to_the_same_final_step(ws: Workspace, tiny: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from tunedesk.train import progress

    original = progress.RunLog.on_step_end

    def stop_at_3(self, args, state, control, **kwargs):  # type: ignore[no-untyped-def]
        original(self, args, state, control, **kwargs)
        if state.global_step == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(progress.RunLog, "on_step_end", stop_at_3)
    with pytest.raises(TrainError, match="--resume"):
        stage.run(ws, overrides=_fast(tiny, "train.early_stopping=null"))
    stopped = find_run(ws.root, "latest")
    assert stopped.record["status"] == "stopped" and (stopped.path / "checkpoints" / "checkpoint-2").is_dir()
    monkeypatch.setattr(progress.RunLog, "on_step_end", original)
    resumed = stage.run(ws, resume=stopped.id)
    assert resumed.resumed and resumed.run.id == stopped.id
    assert resumed.run.record["status"] == "completed" and resumed.run.record["steps"] == 4
    with pytest.raises(TrainError, match="already completed"):
        stage.run(ws, resume=stopped.id)


def test_replay_reruns_a_runs_settings_with_overrides_on_top(ws: Workspace, tiny: str) -> None:
    first = stage.run(ws, overrides=_fast(tiny, "train.lora.r=4")).run
    replayed = stage.run(ws, overrides=["train.max_steps=2"], replay=first.id).run
    assert replayed.id != first.id and replayed.record["replay_of"] == first.id
    assert replayed.record["config"]["train"]["lora"]["r"] == 4 and replayed.record["steps"] == 2
    (ws.root / "data" / "train.jsonl").write_text((ws.root / "data" / "val.jsonl").read_text())
    with pytest.raises(TrainError, match="changed since the run started"):
        stage.run(ws, resume=first.id)
    with pytest.raises(RunError, match="no run 'nope'"):
        find_run(ws.root, "nope")


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tunedesk", *args], capture_output=True, text=True, timeout=300)


def test_the_command_line_trains_lists_and_exports(ws: Workspace, tiny: str) -> None:
    trained = _cli("train", "-w", str(ws.root), *_fast(tiny, "train.max_steps=2"), "--json")
    assert trained.returncode == 0, trained.stderr[-2000:]
    result = json.loads(trained.stdout)
    assert result["status"] == "completed" and result["steps"] == 2 and Path(result["paths"]["model"]).is_dir()
    listed = json.loads(_cli("runs", "-w", str(ws.root), "--json").stdout)
    assert [r["id"] for r in listed] == [result["run"]]
    exported = _cli("export", "latest", "--format", "merged", "-w", str(ws.root), "--json")
    assert exported.returncode == 0, exported.stderr[-2000:]
    assert (ws.root / "runs" / result["run"] / "export" / "merged" / "model.safetensors").is_file()
    refused = _cli("train", "-w", str(ws.root), "train.method=qlora")
    assert refused.returncode == 2 and "needs a CUDA GPU" in refused.stderr and "Traceback" not in refused.stderr
    missing = _cli("export", "nope", "-w", str(ws.root))
    assert missing.returncode == 2 and "no run 'nope'" in missing.stderr


def test_distill_trains_on_the_teachers_rewrite_and_keeps_failed_rows(ws: Workspace, tiny: str) -> None:
    overrides = _fast(tiny, "train.method=distill", f"train.teacher.model={tiny}", "train.teacher.max_new_tokens=4",
                      "train.max_steps=2")
    run = stage.run(ws, overrides=overrides).run
    assert run.record["status"] == "completed" and run.record["method"] == "distill"
    distilled = Path(run.record["data"]["train"]["path"])
    assert distilled == ws.root / "data" / "distill" / "train.jsonl"
    summary = json.loads(distilled.with_name("train.summary.json").read_text())
    assert summary["counts"]["asked"] == 18  # every answer row went to the teacher
    assert len(distilled.read_text().splitlines()) == 18  # rows the teacher could not rewrite keep their target


def test_early_stopping_ends_a_run_whose_validation_loss_stops_improving(ws: Workspace, tiny: str) -> None:
    # A learning rate this large wrecks the tiny model at once: the validation loss never beats its first value.
    overrides = _fast(tiny, "train.learning_rate=50", "train.max_steps=12", "train.eval_every=1",
                      "train.early_stopping=2", "train.warmup_ratio=0")
    run = stage.run(ws, overrides=overrides).run
    assert run.record["status"] == "completed" and run.record["steps"] < 12
    assert run.record["final"]["best_checkpoint"].endswith("checkpoint-1")
