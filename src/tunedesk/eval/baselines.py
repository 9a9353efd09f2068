"""The baselines every evaluation faces, on the same held-out items and with the same judge: `retrieval` (the reply
of the most similar past ticket: what a macro-suggestion tool does) and `base` (the untuned base model behind the
same prompt: a prompt wrapper). An earlier evaluation of a baseline is reused when nothing its replies depend on
has changed (the held-out file, the answering path's settings, the base model); its replies are judged again with
today's judge. Otherwise the baseline is evaluated now and written as an evaluation of its own."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from tunedesk.eval.answering import Answer, judged
from tunedesk.eval.judges.base import Item, Judge, Verdict
from tunedesk.progress import Reporter
from tunedesk.prompt.precedents import FILE_NAME
from tunedesk.store.evaluations import eval_dir, read_replies, read_summary
from tunedesk.workspace import Workspace

BASELINES = ("retrieval", "base")
ANSWER_PATH = "server:3"
"""The version of the way eval produces replies (through the server's Responder); older evaluations differ. 2: a
ticket handed to a person is judged on the holding reply the server sends, not on the model's own text. 3: a model
marker that is garbled or names a reason the workspace never hands over for, after a reply that answers, holds the
draft for a person (unclear_handover) instead of handing the ticket over."""


@dataclass
class Evaluated:
    """One version's answers to the held-out items, the judge's verdicts, and the summary."""

    name: str
    items: list[Item]
    answers: list[Answer]
    verdicts: list[Verdict]
    summary: dict[str, Any]

    @property
    def scores(self) -> list[int]:
        """The verdicts' scores in item order."""
        return [v.score for v in self.verdicts]


Evaluate = Callable[[Workspace, str, list[Item], Judge, Reporter], Evaluated]


def baseline(ws: Workspace, name: str, items: list[Item], judge: Judge, reporter: Reporter,
             evaluate: Evaluate) -> Evaluated:
    """The baseline's evaluation on these items: reused when still valid (and judged again), else made now and
    written beside the candidate's."""
    reused = _reuse(ws, name, items, judge)
    if reused is not None:
        return reused
    fresh = evaluate(ws, name, items, judge, reporter)
    write_evaluation(ws, fresh)
    return fresh


def _reuse(ws: Workspace, name: str, items: list[Item], judge: Judge) -> Evaluated | None:
    from tunedesk.eval.metrics import summarise

    summary = read_summary(ws.root, name)
    if not summary or summary.get("answer_path") != answer_path_signature(ws):
        return None
    from tunedesk.train.data import sha256_of

    if summary.get("holdout_sha256") != sha256_of(ws.output_dir("data") / "holdout.jsonl"):
        return None
    rows = {r["id"]: r for r in read_replies(eval_dir(ws.root, name))[0]}
    if not all(item.id in rows for item in items):
        return None
    answers = [_answer(rows[item.id]) for item in items]
    verdicts = judged(judge, items, answers)
    fitted = (summary.get("calibration") or {}).get("thresholds") or {"high": None, "medium": None}
    mine = summarise(items, answers, verdicts, float(summary.get("seconds") or 0), fitted)
    if (summary.get("calibration") or {}).get("fitted") is False:
        unrouted(mine)
    keep: dict[str, Any] = {k: summary[k] for k in ("model", "kind", "base", "method", "holdout_sha256", "answer_path")
                            if k in summary}
    return Evaluated(name, items, answers, verdicts, {**keep, "judge": ws.config.eval.judge, **mine,
                                                      "reused": True})


def unrouted(summary: dict[str, Any]) -> None:
    """Mark a summary whose confidence was not fitted (a baseline): what mode auto would send is not shown."""
    summary.update(auto_sent_share=None, auto_sent_wrong_share=None)
    summary["calibration"]["fitted"] = False


def _answer(row: dict[str, Any]) -> Answer:
    served = row.get("served") or {}
    return Answer(str(row.get("reply") or ""), str(served.get("decision") or "needs_approval"),
                  served.get("confidence"), int(served.get("tokens") or 0), bool(served.get("cut_off")),
                  list(served.get("reasons") or []), served.get("logprob_mean"))


def answer_path_signature(ws: Workspace) -> str:
    """A hash of everything besides the model that shapes the replies: the answering path's version, the serve
    settings (decoding, KB context, guardrails, embedder), the base model, the system prompt template, the
    policies and the precedents (settings and the build's index)."""
    serve = ws.config.serve
    parts = {"path": ANSWER_PATH, "backend": serve.backend.model_dump(exclude={"name", "model", "timeout_s"}),
             "kb_top_k": serve.kb_top_k, "embedder": serve.embedder, "guardrails": serve.guardrails.model_dump(),
             "base": ws.config.model.base, "template": _file_hash(ws, ws.config.dataset.system_template),
             "policies": _file_hash(ws, ws.config.policies),
             "precedents": ws.config.dataset.precedents.model_dump(),
             "precedent_index": _file_hash(ws, str(ws.output_dir("data") / FILE_NAME))}
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _file_hash(ws: Workspace, relative: str) -> str | None:
    path = ws.path(relative)
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16] if path.is_file() else None


def version_info(ws: Workspace, name: str) -> dict[str, Any]:
    """What kind of version this is: the base model, the retrieval baseline, or a run (its base and method)."""
    if name == "base":
        return {"kind": "base", "base": ws.config.model.base}
    if name == "retrieval":
        return {"kind": "retrieval", "base": None}
    from tunedesk.store.runs import find_run

    record = find_run(ws.root, name).record
    return {"kind": "run", "run": name, "base": (record.get("base") or {}).get("name"), "method": record.get("method")}


def write_evaluation(ws: Workspace, evaluated: Evaluated) -> dict[str, str]:
    """reports/eval/<version>/: summary.json and one judged reply per line in replies.jsonl."""
    out_dir = eval_dir(ws.root, evaluated.name)
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / "replies.jsonl").open("w", encoding="utf-8") as fh:
        for item, answer, verdict in zip(evaluated.items, evaluated.answers, evaluated.verdicts, strict=True):
            fh.write(json.dumps(_row(item, answer, verdict), default=str) + "\n")
    (out_dir / "summary.json").write_text(json.dumps(evaluated.summary, indent=2, default=str) + "\n",
                                          encoding="utf-8")
    return {"replies": str(out_dir / "replies.jsonl"), "summary": str(out_dir / "summary.json")}


def _row(item: Item, answer: Answer, verdict: Verdict) -> dict[str, Any]:
    served = asdict(answer)
    served.pop("text")
    return {"id": item.id, "category": item.category, "kind": item.kind,
            "prompt": item.messages[-1]["content"] if item.messages else "", "reference": item.reference,
            "reply": answer.text, "score": verdict.score, "reasons": verdict.reasons, "checks": verdict.checks,
            "served": served, "confidence": {"logprob_mean": answer.logprob_mean, "score": answer.confidence,
                                             "tokens": answer.tokens, "cut_off": answer.cut_off}}
