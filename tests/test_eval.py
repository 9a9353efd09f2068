"""Evaluation: batched generation, the eval stage's summary and files, the adapter-must-apply check — on the tiny
random model (its replies are gibberish: these tests check the machinery, the rubric has its own tests)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tiny_data import ROWS, tiny_overrides, tiny_workspace
from tiny_model import tiny_model_folder
from tunedesk.eval.judges.base import Verdict
from tunedesk.eval.metrics import escalation, policy_accuracy, score_shares
from tunedesk.eval.stage import EvalError
from tunedesk.eval.stage import run as evaluate
from tunedesk.models.candidate import load_candidate
from tunedesk.models.generate import generate
from tunedesk.store.model_registry import ModelRegistry
from tunedesk.train import stage as train_stage
from tunedesk.workspace import Workspace

pytestmark = pytest.mark.xdist_group("train")

@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return tiny_workspace(tmp_path / "ws")


def test_batched_generation_keeps_the_input_order_and_is_deterministic(ws: Workspace) -> None:
    candidate = load_candidate(ws.root, "base", str(tiny_model_folder()))
    prompts = [[{"role": "user", "content": "hi " * n}] for n in (9, 1, 5, 3, 7)]
    first, _ = generate(candidate.model, candidate.tokenizer, prompts, max_new_tokens=5, batch_size=2)
    again, _ = generate(candidate.model, candidate.tokenizer, prompts, max_new_tokens=5, batch_size=2)
    assert [g.text for g in first] == [g.text for g in again] and len(first) == 5
    alone = [generate(candidate.model, candidate.tokenizer, [p], max_new_tokens=5, batch_size=1)[0][0]
             for p in prompts]
    assert [g.tokens for g in first] == [g.tokens for g in alone]
    assert all(g.logprob_min <= g.logprob_mean <= 0 for g in first)


def test_eval_writes_the_summary_and_every_reply(ws: Workspace) -> None:
    result = evaluate(ws, "base")
    s = result.summary
    assert s["model"] == "base" and s["n"] == len(ROWS) and s["judge"] == "rubric"
    assert s["score_3"] + s["score_2"] + s["score_1"] == pytest.approx(1.0, abs=3e-4)  # each share has 4 places
    for key in ("escalation_precision", "escalation_recall", "hallucination_rate", "policy_accuracy"):
        assert key in s
    assert set(s["by_category"]) == {"returns", "shipping", "billing", "off_topic", "hours"}
    lines = [json.loads(x) for x in Path(result.paths["replies"]).read_text().splitlines()]
    assert [x["id"] for x in lines] == [f"holdout{i}" for i in range(len(ROWS))]
    assert all(x["score"] in (1, 2, 3) and "logprob_mean" in x["confidence"] for x in lines)
    registered = ModelRegistry(ws.store).get("base")  # every evaluated model becomes a registry version
    assert registered.status == "candidate" and registered.eval_summary["n"] == len(ROWS)
    assert len(s["holdout_sha256"]) == 64
    # what mode auto would do, through the server's own guardrails: every item gets one decision
    assert s["auto_sent_by"] == "server" and sum(s["decisions"].values()) == len(ROWS)
    assert s["auto_sent"] == s["decisions"].get("auto_send", 0) and "auto_sent_wrong_upper" in s
    # the thresholds routing used were fitted on the validation split; the held-out set only reports
    assert s["calibration"]["fitted_on"] == "val" and set(s["calibration"]["thresholds"]) == {"high", "medium"}
    # every evaluation faces its baselines on the same items, with intervals
    assert set(s["baselines"]) == {"retrieval"} and s["baselines"]["retrieval"]["n"] == len(ROWS)
    assert set(s["vs_baselines"]["retrieval"]) >= {"score_3_delta", "score_3_delta_ci", "score_1_delta"}
    assert s["score_3_ci"][0] <= s["score_3"] <= s["score_3_ci"][1]


def test_a_run_whose_adapter_does_nothing_fails_loudly(ws: Workspace) -> None:
    # Learning rate ~0: the LoRA B matrices stay (numerically) zero, so the run answers exactly like its base.
    train_stage.run(ws, overrides=tiny_overrides("train.max_steps=1", "train.learning_rate=1e-30",
                                             "train.early_stopping=null"))
    evaluate(ws, "base")
    with pytest.raises(EvalError, match="adapter is not being applied"):
        evaluate(ws, "latest")


def test_metrics_count_what_they_say() -> None:
    verdicts = [Verdict(3, checks={"escalation_expected": True, "escalation_predicted": True}),
                Verdict(1, checks={"escalation_expected": True, "escalation_predicted": False}),
                Verdict(1, checks={"escalation_expected": False, "escalation_predicted": True,
                                   "policy_facts_expected": ["return_window"], "policy_facts_present": []}),
                Verdict(2, checks={"policy_facts_expected": ["return_window"],
                                   "policy_facts_present": ["return_window"]})]
    assert score_shares(verdicts) == {"score_3": 0.25, "score_2": 0.25, "score_1": 0.5}
    esc = escalation(verdicts)
    assert esc["escalation_precision"] == 0.5 and esc["escalation_recall"] == 0.5
    assert policy_accuracy(verdicts) == 0.5


def test_eval_on_the_command_line_prints_the_required_keys(ws: Workspace) -> None:
    proc = subprocess.run([sys.executable, "-m", "tunedesk", "eval", "-w", str(ws.root), "--model", "base",
                           *tiny_overrides(), "--json"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = json.loads(proc.stdout)
    for key in ("model", "n", "score_3", "score_2", "score_1", "escalation_precision", "escalation_recall",
                "hallucination_rate", "policy_accuracy"):
        assert key in summary
    missing = subprocess.run([sys.executable, "-m", "tunedesk", "eval", "-w", str(ws.root), "--model", "nope",
                              *tiny_overrides()], capture_output=True, text=True, timeout=300)
    assert missing.returncode == 2 and "no run 'nope'" in missing.stderr


def test_calibration_bins_ece_and_thresholds() -> None:
    from tunedesk.answer.calibration import (
        confidence_of,
        expected_calibration_error,
        level,
        reliability,
        thresholds,
    )

    # Confident replies are right, unsure ones wrong: well separated, so the thresholds split them.
    confidences = [confidence_of(-0.05)] * 10 + [confidence_of(-1.5)] * 10
    correct = [True] * 9 + [False] + [False] * 10
    table = reliability(confidences, correct, bins=4)
    assert [b["n"] for b in table] == [5, 5, 5, 5]
    assert table[0]["accuracy"] < table[-1]["accuracy"]
    low, high = confidence_of(-1.5), confidence_of(-0.05)  # bins: accuracy 0, 0 (low) and 1.0, 0.8 (high)
    expected = 5 * (2 * low + abs(high - 0.8) + abs(high - 1.0)) / 20
    assert expected_calibration_error(table) == pytest.approx(expected, abs=1e-3)
    # "high" needs 95 % right among the replies at least that confident, with 95 % confidence: 9 of 10 right is
    # "at least 61 %", only "medium"
    fitted = thresholds(confidences, correct)
    assert fitted == {"high": None, "medium": pytest.approx(high, abs=1e-3)}
    assert level(high, fitted) == "medium" and level(low, fitted) == "low"
    # 10 of 10 right is still only "at least 74 %"; 60 of 60 is "at least 95.1 %"
    assert thresholds(confidences, [True] * 10 + [False] * 10)["high"] is None
    many = [high] * 60 + [low] * 60
    all_right = thresholds(many, [True] * 60 + [False] * 60)
    assert all_right["high"] == pytest.approx(high, abs=1e-3) and level(high, all_right) == "high"
    assert thresholds(many, [True] * 59 + [False] + [False] * 60)["high"] is None  # one wrong of 60 is too many
    # the share alone would pass 5 of 5; the bound does not
    assert thresholds([0.9] * 5 + [0.1] * 5, [True] * 5 + [False] * 5) == {"high": None, "medium": 0.9}
    assert thresholds([0.9] * 6, [False] * 6) == {"high": None, "medium": None}



def test_needless_escalations_are_split_by_whether_an_escalated_precedent_was_shown() -> None:
    from tunedesk.eval.judges.base import Item
    from tunedesk.eval.metrics import needless_escalation
    from tunedesk.prompt.precedents import HEADING

    def item(precedent_reply: str) -> Item:
        system = f"You are the support assistant.\n{HEADING}\n[1] Customer: a question\nAgent: {precedent_reply}"
        return Item("x", "returns", "answer", [{"role": "system", "content": system},
                                              {"role": "user", "content": "Can I return boots?"}], "Yes.")

    pulled, plain = item("Passed to our team.\n[[escalate: legal_threat]]"), item("Yes, within 30 days.")
    items = [pulled, pulled, plain, plain, plain, plain, pulled]
    verdicts = [Verdict(1, checks={"escalation_expected": False, "escalation_predicted": True}),
                Verdict(3, checks={"escalation_expected": False, "escalation_predicted": False}),
                Verdict(1, checks={"escalation_expected": False, "escalation_predicted": True}),
                *[Verdict(3, checks={"escalation_expected": False, "escalation_predicted": False})] * 3,
                Verdict(3, checks={"escalation_expected": True, "escalation_predicted": True})]  # not counted
    found = needless_escalation(items, verdicts)
    assert found == {"needless_escalation_escalated_precedent": 0.5, "needless_escalation_other": 0.25,
                     "needless_escalation_escalated_precedent_n": 2, "needless_escalation_other_n": 4}
