"""The runbook's model sections: what is deployed now, retraining, evaluation, the gate, rollback and the staged
rollout. Each returns Markdown lines; every `tunedesk ...` line in a code block is a real command for this
workspace (a test parses each one with the CLI)."""

from __future__ import annotations

from typing import Any

from tunedesk.runbook.facts import SCORE_KEYS, Facts, share


def code(*lines: str) -> list[str]:
    """A fenced shell block."""
    return ["```sh", *lines, "```", ""]


def deployed(f: Facts) -> list[str]:
    """Section 1: the served version, production with its scores and gate record, and the registry."""
    d, serve = f.deployment, f.ws.config.serve
    lines = ["## 1. What is deployed now", "",
             f"- `tunedesk serve` serves **{d.served}**: {d.served_why}; backend `{serve.backend.name}`, mode "
             f"`{serve.mode}`, rollout {serve.rollout_percent:g} % of tickets, on http://{serve.host}:{serve.port}."]
    if d.production is None:
        lines.append("- Production: none. Nothing has passed the gate yet (section 4).")
    else:
        when = f"{d.promoted_at:%Y-%m-%d %H:%M} UTC" if d.promoted_at else "at an unrecorded time"
        lines.append(f"- Production: **{d.production.id}** ({d.production.kind}, base {d.production.base or '—'}, "
                     f"method {d.production.method or '—'}), made production {when}.")
        lines.append("- Its held-out evaluation: " + _scores(d.production.eval_summary) + ".")
        lines.append(f"- Rollback target: **{d.previous}**." if d.previous else
                     "- Rollback target: none (it is the first version ever promoted).")
    if serve.backend.model and d.production is not None and serve.backend.model != d.production.id:
        lines.append(f"- Note: `serve.backend.model: {serve.backend.model}` overrides the registry, so promote and "
                     "rollback do not change what is served until it is removed from tunedesk.yaml.")
    lines += ["", *(_gate_record(d.gate) if d.production else []), *_registry_table(f), ""]
    lines += code(f.cmd("models") + "   # the registry, live", f.cmd("runs") + "   # every training run")
    return lines


def _scores(summary: dict[str, Any]) -> str:
    if not summary:
        return "not recorded"
    n, s3, s1, recall = (summary.get(k) for k in SCORE_KEYS)
    text = f"{n} items, score 3 {share(s3)}, score 1 {share(s1)}, escalation recall {share(recall)}"
    baselines = summary.get("baselines") or {}
    if baselines:
        text += "; baselines: " + ", ".join(f"{name} score 3 {share(b.get('score_3'))}"
                                            for name, b in sorted(baselines.items()))
    return text


def _gate_record(criteria: list[dict[str, Any]]) -> list[str]:
    if not criteria:
        return ["No gate verdict is recorded for production.", ""]
    rows = ["The gate's verdict when production was last promoted:", "", "| criterion | passed | value | threshold |",
            "|---|---|---|---|"]
    for c in criteria:
        rows.append(f"| {c.get('name')} | {'yes' if c.get('passed') else 'no'} | {_value(c.get('value'))} | "
                    f"{_value(c.get('threshold'))} |")
    return [*rows, ""]


def _value(value: object) -> str:
    return "—" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def _registry_table(f: Facts) -> list[str]:
    versions = f.deployment.versions
    if not versions:
        return ["The registry is empty: no version has been evaluated yet."]
    rows = ["| version | status | score 3 | score 1 | escalation recall | last event |", "|---|---|---|---|---|---|"]
    for v in versions:
        event = f.deployment.last_event.get(v.id)
        last = f"{event['action']} {event['at']:%Y-%m-%d %H:%M}" if event else "—"
        rows.append(f"| {v.id} | {v.status} | {share(v.eval_summary.get('score_3'))} | "
                    f"{share(v.eval_summary.get('score_1'))} | {share(v.eval_summary.get('escalation_recall'))} | "
                    f"{last} |")
    return rows


def retraining(f: Facts) -> list[str]:
    """Section 2: new data in, then a new run: stage by stage, or `tunedesk retrain`."""
    cfg = f.ws.config
    lines = ["## 2. Ingest new data and retrain", ""]
    if cfg.sources:
        lines.append("Configured sources (`tunedesk ingest` without paths reads these, and the KB folder "
                     f"`{cfg.kb}`):" if cfg.kb else "Configured sources (`tunedesk ingest` without paths reads these):")
        lines += [f"- `{s.path}` (format {s.format or 'recognised from the files'}"
                  + (f", options {s.options}" if s.options else "") + ")" for s in cfg.sources]
        ingest = f.cmd("ingest")
    else:
        lines.append("No `sources` in tunedesk.yaml: name the export on the command line (or add it under "
                     "`sources:` so that a plain `tunedesk ingest` reads it).")
        ingest = f.cmd("ingest PATH/TO/EXPORT")
    train = cfg.train
    steps = f"max_steps {train.max_steps}" if train.max_steps else f"{train.epochs:g} epoch(s)"
    lines += ["", f"Training as configured: method `{train.method}` on `{cfg.model.base}`, {steps}, learning rate "
              f"{train.learning_rate:g}, seed {train.seed}. Re-ingesting an export merges: it never duplicates.", ""]
    lines += code(ingest + "   # new and changed tickets into the store", f.cmd("clean") + "   # redact, filter, dedup",
                  f.cmd("build") + "   # data/train.jsonl, val.jsonl, holdout.jsonl",
                  f"tunedesk validate {f.ws_arg}/data/train.jsonl -w {f.ws_arg}   # exit 1 on errors",
                  f.cmd("train") + "   # a new run in runs/", f.cmd("runs"))
    lines += ["Or, after ingest and clean, the learning loop in one command: build, add the agents' feedback "
              "(data/feedback.jsonl), train, evaluate on the held-out set and ask the gate (it promotes when the "
              "gate passes; `--no-promote` only asks; `--if-needed` runs only when `tunedesk drift` says retrain, "
              "section 10):", ""]
    lines += code(f.cmd("retrain"), f.cmd("retrain --if-needed --no-promote"))
    return lines


def evaluation(f: Facts) -> list[str]:
    """Section 3: evaluate a run beside the baselines, and where to read the result."""
    lines = ["## 3. Evaluate and read the report", "",
             "`tunedesk eval` answers every held-out ticket as the server would and scores it 3/2/1 with the "
             f"`{f.ws.config.eval.judge}` judge, beside the two baselines that need no training (`retrieval`: the "
             "nearest past reply; `base`: the untuned base model) on the same items.", ""]
    lines += code(f.cmd("eval --model latest"), f.cmd("report") + "   # reports/eval_report.html")
    lines += ["Read `reports/eval/<version>/summary.json` (score 3 and score 1 shares with 95 % intervals, escalation "
              "recall, what mode auto would send) and `reports/eval_report.html` (per category, calibration, the "
              "worst replies). A run that does not beat `retrieval` is not worth serving: the gate says so too.", ""]
    return lines


def promotion(f: Facts) -> list[str]:
    """Section 4: promote, and every criterion the gate checks with its configured threshold."""
    g, mode = f.ws.config.gate, f.ws.config.serve.mode
    rows = [("evaluated_items", f"at least {g.min_items} held-out items evaluated (`gate.min_items`)"),
            ("score_3", f"share scored 3 ≥ {g.min_score_3:g} (`gate.min_score_3`)"),
            ("score_1", f"share scored 1 < {g.max_score_1:g} (`gate.max_score_1`)"),
            ("escalation_recall", f"≥ {g.min_escalation_recall:g} (`gate.min_escalation_recall`)"),
            ("auto_sent_wrong", f"of what mode auto would send, share scored 1 < {g.max_auto_sent_wrong:g} "
             f"(`gate.max_auto_sent_wrong`; with serve.mode auto, at least {g.min_auto_sent} sent, "
             f"`gate.min_auto_sent`; serve.mode is `{mode}` now)"),
            ("current_holdout", "evaluated on today's data/holdout.jsonl (rebuilt since: evaluate again)")]
    rows.append(("beats_baselines", "score 3 above the best baseline with the 95 % interval of the difference above 0,"
                 " score 1 not above it (`gate.beat_baselines: true`)") if g.beat_baselines else
                ("beats_baselines", "not checked (`gate.beat_baselines: false`)"))
    rows.append(("no_regression", f"score 3 not below production's on the shared items by more than "
                 f"{g.regression_tolerance:g} (`gate.regression_tolerance`)") if g.no_regression else
                ("no_regression", "not checked (`gate.no_regression: false`)"))
    lines = ["## 4. Promote: what the gate checks", "", "| criterion | requirement (tunedesk.yaml `gate`) |",
             "|---|---|", *[f"| {name} | {text} |" for name, text in rows], ""]
    lines += code(f.cmd("promote latest") + "   # exit 1 with the failing criteria when refused", f.cmd("models"))
    lines += ["The server picks its model when it starts: after a promotion, restart `tunedesk serve` (section 6).",
              ""]
    return lines


def rollback(f: Facts) -> list[str]:
    """Section 5: roll back to the named previous version."""
    d = f.deployment
    lines = ["## 5. Roll back", ""]
    if d.production is None:
        lines += ["Nothing is in production, so there is nothing to roll back. To stop the model answering, serve "
                  "with rollout 0 % (section 6).", ""]
        return lines
    if d.previous:
        lines += [f"`tunedesk rollback` archives **{d.production.id}** and brings back **{d.previous}** (the version "
                  "production replaced last); no gate is asked. Then restart the server.", ""]
        lines += code(f.cmd("rollback"), f.cmd(f"rollback --to {d.previous}") + "   # the same, by name",
                      f.cmd("serve"))
    else:
        others = [v.id for v in d.versions if v.id != d.production.id]
        lines += [f"**{d.production.id}** is the first version ever promoted: `tunedesk rollback` has no previous "
                  "version and refuses. Name one with `--to`"
                  + (f" (registered: {', '.join(others)})" if others else " once another version is registered")
                  + ", or take the model out of the path with rollout 0 % (section 6).", ""]
        if others:
            lines += code(f.cmd(f"rollback --to {others[0]}"), f.cmd("serve"))
    return lines


def rollout(f: Facts) -> list[str]:
    """Section 6: the staged rollout settings and how to move them."""
    s = f.ws.config.serve
    lines = ["## 6. Staged rollout", "",
             f"Now: `serve.mode: {s.mode}`, `serve.rollout_percent: {s.rollout_percent:g}`. A stable hash of the "
             "ticket id puts every ticket in one of 10,000 buckets: the same ticket always gets the same treatment "
             "and raising the percentage only adds tickets; tickets outside the rollout go straight to agents "
             "(`not_in_rollout`). Modes, most cautious first: `shadow` (log only), `draft` (every reply to an agent), "
             "`approve` (one-click approval queue), `auto` (sent when confidence is high and nothing escalated).",
             "", "Settings apply when the server starts: change them in tunedesk.yaml, or for one start with "
             "overrides, then restart:", ""]
    lines += code(f.cmd("serve serve.rollout_percent=25"), f.cmd("serve serve.mode=draft serve.rollout_percent=100"),
                  f.cmd("serve serve.rollout_percent=0") + "   # the model answers nothing; every ticket to agents")
    lines += [f"Watch `GET /metrics` (`tunedesk_decisions`, `tunedesk_requests` by status) and `GET /healthz`; at most "
              f"{s.max_concurrency} replies generate at once and {s.max_queue} wait, past that the server answers "
              "503.", ""]
    return lines
