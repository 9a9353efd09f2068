"""The eval stage: held-out prompts → replies from the base or a run (same system prompts and template as
training) → a judge's 3/2/1 verdicts → metrics, written to reports/eval/<model>/.

    tunedesk eval -w ws --model base      the untuned base
    tunedesk eval -w ws --model latest    the newest run (or an id / prefix)
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tunedesk.errors import TunedeskError
from tunedesk.eval.judges import get_judge
from tunedesk.eval.judges.base import Item, Verdict, item_from_row
from tunedesk.eval.metrics import summarise
from tunedesk.models.candidate import Candidate, load_candidate
from tunedesk.models.generate import Generated, generate
from tunedesk.progress import Reporter, SilentReporter
from tunedesk.store.evaluations import eval_dir, read_replies
from tunedesk.trainfile.reading import read_rows
from tunedesk.workspace import Workspace


class EvalError(TunedeskError):
    """An evaluation cannot run, or its result cannot be trusted."""


@dataclass
class EvalSummary:
    """What one evaluation measured, and where it wrote."""

    summary: dict[str, Any]
    paths: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The JSON `eval --json` prints."""
        return {**self.summary, "paths": self.paths}


def run(ws: Workspace, model: str = "base", *, limit: int | None = None,
        reporter: Reporter | None = None) -> EvalSummary:
    """Evaluate `model` (base, a run id or `latest`) on the workspace's held-out set."""
    reporter = reporter or SilentReporter()
    cfg = ws.config.eval
    items = held_out_items(ws, limit or cfg.limit)
    # the judge first: a judge that cannot be built (unknown name, missing key) fails before minutes of generation
    judge = get_judge(cfg.judge, policies=ws.policies(), kb_texts=[a.body for a in ws.store.iter_articles()],
                      similarity=cfg.similarity, **({"llm": cfg.llm} if cfg.judge == "llm" else {}))
    chat_template = ws.path(ws.config.model.chat_template) if ws.config.model.chat_template else None
    candidate = load_candidate(ws.root, model, ws.config.model.base, chat_template)
    replies, seconds = generate(candidate.model, candidate.tokenizer, [i.messages for i in items],
                                max_new_tokens=cfg.max_new_tokens, temperature=cfg.temperature, seed=cfg.seed,
                                batch_size=cfg.batch_size, reporter=reporter)
    with reporter.task(f"judge ({cfg.judge})", total=len(items)) as task:
        verdicts = judge.judge(items, [r.text for r in replies])
        task.advance(len(items))
    out_dir = eval_dir(ws.root, candidate.name)
    _check_adapter_applied(ws, candidate, items, replies)
    summary = {"model": candidate.name, **candidate.info, "judge": cfg.judge,
               **summarise(items, replies, verdicts, seconds), "holdout_sha256": _holdout_hash(ws)}
    summary.update({"judge_failures": failures} if (failures := getattr(judge, "failures", 0)) else {})
    with reporter.task("replay through the server's guardrails (mode auto)"):
        summary.update(served(ws, candidate.name, items, replies, verdicts, summary))
    result = EvalSummary(summary, _write(out_dir, items, replies, verdicts, summary))
    _register(ws, summary)
    return result


def served(ws: Workspace, version: str, items: list[Item], replies: list[Generated], verdicts: list[Verdict],
           summary: dict[str, Any]) -> dict[str, Any]:
    """The auto-send figures from the server's own guardrails and routing (eval/replay.py), with the
    confidence-only estimate kept beside them; a server that cannot be built here leaves the estimate alone."""
    from tunedesk.eval.replay import Replayed, auto_send_figures, decisions

    replayed = [Replayed.of(item, reply.text, reply.logprob_mean, verdict.score)
                for item, reply, verdict in zip(items, replies, verdicts, strict=True)]
    estimate = {k: summary.get(k) for k in ("auto_sent", "auto_sent_share", "auto_sent_wrong", "auto_sent_wrong_share")}
    try:
        decided = decisions(ws, version, replayed)
    except TunedeskError as exc:
        return {"auto_sent_by": f"confidence only: the server cannot be built here ({exc})"}
    return {**auto_send_figures(replayed, decided), "auto_sent_confidence_only": estimate}


def _holdout_hash(ws: Workspace) -> str:
    from tunedesk.train.data import sha256_of

    return sha256_of(ws.output_dir("data") / "holdout.jsonl")


def _register(ws: Workspace, summary: dict[str, Any]) -> None:
    """Every evaluated model is a version in the registry (a candidate until promoted); its latest summary kept."""
    from tunedesk.store.model_registry import ModelRegistry

    ModelRegistry(ws.store).register(summary["model"], kind=summary.get("kind", "run"), base=summary.get("base"),
                                method=summary.get("method"), eval_summary=summary)


def held_out_items(ws: Workspace, limit: int | None) -> list[Item]:
    """The held-out rows as judge items (the reference reply split off)."""
    path = ws.output_dir("data") / "holdout.jsonl"
    if not path.is_file():
        raise EvalError(f"{path} is missing: run `tunedesk build -w {ws.root}` first")
    read = read_rows(path)
    if read.issues:
        problem = read.issues[0]
        where = f"{path}: line {problem.line}" if problem.line else str(path)
        raise EvalError(f"{where}: {problem.message}; rebuild it with `tunedesk build`")
    items = [item_from_row(r.data) for r in read.rows][:limit]
    if not items:
        raise EvalError(f"{path} has no held-out examples")
    return items


def _check_adapter_applied(ws: Workspace, candidate: Candidate, items: list[Item],
                           replies: list[Generated]) -> None:
    """A run whose replies all equal the base's on the same items has an adapter that does nothing: fail loudly."""
    if candidate.info.get("kind") != "run":
        return
    base = {r["id"]: r["reply"] for r in read_replies(eval_dir(ws.root, "base"))[0]}
    shared = [(item.id, reply.text) for item, reply in zip(items, replies, strict=True) if item.id in base]
    if len(shared) >= 5 and all(base[i] == text for i, text in shared):
        raise EvalError(f"run {candidate.name} gives exactly the base model's replies on all {len(shared)} held-out "
                        "items evaluated for both: its adapter is not being applied")


def _write(out_dir: Path, items: list[Item], replies: list[Generated], verdicts: list[Verdict],
           summary: dict[str, Any]) -> dict[str, str]:
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / "replies.jsonl").open("w", encoding="utf-8") as fh:
        for item, reply, verdict in zip(items, replies, verdicts, strict=True):
            fh.write(json.dumps({"id": item.id, "category": item.category, "kind": item.kind,
                                 "prompt": item.messages[-1]["content"] if item.messages else "",
                                 "reference": item.reference, "reply": reply.text, "score": verdict.score,
                                 "reasons": verdict.reasons, "checks": verdict.checks,
                                 "confidence": asdict(reply)}, default=str) + "\n")
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
    return {"replies": str(out_dir / "replies.jsonl"), "summary": str(out_dir / "summary.json")}
