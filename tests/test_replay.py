"""The server replay: generated replies through the server's own guardrails and routing in mode auto, with the
high threshold cross-fitted — what eval reports as auto-sent."""

from __future__ import annotations

from pathlib import Path

from tiny_data import tiny_workspace
from tunedesk.eval.replay import Replayed, auto_send_figures, decisions

GOOD = "Hi there,\n\nYes, returns are free within 30 days of delivery. Start one under Account > Orders.\n\nBest"


def replayed(n: int, reply: str, score: int, logprob: float = -0.01, kind: str = "answer") -> list[Replayed]:
    return [Replayed(f"t{score}-{i}", [{"role": "user", "content": f"Can I return my boots after {i + 2} weeks?"}],
                     reply, logprob, score, kind) for i in range(n)]


def test_confident_right_replies_are_sent_and_escalations_and_low_confidence_are_not(tmp_path: Path) -> None:
    ws = tiny_workspace(tmp_path / "ws")
    items = (replayed(24, GOOD, 3) + replayed(4, GOOD + "\n[[escalate: chargeback]]", 3)
             + replayed(4, GOOD.replace("30", "14"), 1, logprob=-3.0))
    decided = decisions(ws, "base", items)
    assert decided[24:28] == ["escalate"] * 4  # the model's own marker hands over, whatever its confidence
    assert decided[28:] == ["needs_approval"] * 4  # unconfident: an agent approves
    assert decided[:24].count("auto_send") >= 20
    figures = auto_send_figures(items, decided)
    assert figures["auto_sent_by"] == "server" and figures["auto_sent_wrong"] == 0
    assert figures["auto_sent"] == decided.count("auto_send") and sum(figures["decisions"].values()) == len(items)


def test_nothing_is_auto_sent_when_no_threshold_can_be_fitted(tmp_path: Path) -> None:
    ws = tiny_workspace(tmp_path / "ws")
    items = replayed(6, GOOD, 1)  # confident and wrong: no share of them reaches the "high" precision
    assert "auto_send" not in decisions(ws, "base", items)
    assert auto_send_figures(items, decisions(ws, "base", items))["auto_sent_wrong_share"] is None
