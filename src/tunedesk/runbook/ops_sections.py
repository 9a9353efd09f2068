"""The runbook's operations sections: API keys, backup and restore of the store, where things are, the
retraining-trigger policy as configured, and the incident checklist."""

from __future__ import annotations

import shlex

from tunedesk.runbook.facts import Facts
from tunedesk.runbook.model_sections import code

LOCATIONS = (
    ("reports/eval_report.html", "the evaluation report (`tunedesk report`)"),
    ("reports/eval", "one folder per evaluated version: summary.json, replies.jsonl"),
    ("reports/clean_funnel.md", "the clean funnel: in, redacted, dropped by reason, kept"),
    ("reports/redaction_review.html", "every redaction in context with the originals: keep it private"),
    ("quarantine/ingest.jsonl", "records ingest could not read, with the reason (also the store's quarantine table)"),
    ("data/card.md", "the dataset card of the current training set"),
    ("data/feedback.jsonl", "the agents' reviewed replies as training rows (`tunedesk feedback export`)"),
    ("reports/drift.json", "the last drift check"),
    ("reports/retrain.json", "the last retrain"),
    ("runs", "one folder per training run: run.json, the loss curve, the model"),
    ("backups", "store backups (`tunedesk backup`)"),
)


def api_keys(f: Facts) -> list[str]:
    """Section 7: how the server authenticates, and the real steps to rotate its keys."""
    s = f.ws.config.serve
    env = s.api_keys_env
    lines = ["## 7. Rotate API keys", "",
             f"The server reads its keys once, at start, from the environment variable `{env}` "
             "(`serve.api_keys_env`; comma-separated, any one is valid). Every POST route (replies, summaries, "
             "feedback, chat completions, the review app's actions) needs one, as `Authorization: Bearer KEY` or "
             "`X-API-Key: KEY`; GET routes (/healthz, /metrics, /v1/models) are open. With the variable unset, POST "
             "routes answer loopback clients only, and `tunedesk serve` refuses to listen beyond loopback. Agents log "
             "in to /ui with a key; their session cookie is signed with a secret made at each start, so a restart "
             "logs every agent out.", "", "Rotation without downtime for clients:", "",
             "1. Make a new key: `python -c \"import secrets; print(secrets.token_urlsafe(32))\"`.",
             f"2. Restart with the new and the old key: `export {env}=NEW_KEY,OLD_KEY`, then the command below.",
             "3. Move every client to NEW_KEY; watch `tunedesk_requests_total{status=\"401\"}` in /metrics.",
             f"4. Restart with the new key only: `export {env}=NEW_KEY`, then the command below; agents log in "
             "again with it.", ""]
    lines += code(f.cmd("serve"))
    others = [(key, value) for key, value in (("serve.backend.api_key_env", s.backend.api_key_env),
                                               ("eval.llm.api_key_env", f.ws.config.eval.llm.api_key_env),
                                               ("train.teacher.api_key_env", f.ws.config.train.teacher.api_key_env))
              if value and (key != "train.teacher.api_key_env" or f.ws.config.train.teacher.endpoint)]
    if others:
        lines += ["Keys this workspace sends to other services live in the variables " +
                  ", ".join(f"`{value}` (`{key}`)" for key, value in others) +
                  ": rotate them at the provider and restart the process that reads them.", ""]
    return lines


def backup(f: Facts) -> list[str]:
    """Section 8: back up and restore the store (SQLite: the tunedesk commands; PostgreSQL: its own tools)."""
    st = f.store
    lines = ["## 8. Back up and restore the store", "",
             f"The store (`store.url`: `{st.url}`, engine {st.engine}) holds the tickets, clean results, quarantine, "
             "the model registry, the reply log and the agents' feedback. It does not hold the models (runs/), the "
             "built data (data/), the reports or the config files: back those up as files (below).", ""]
    if st.path is None:
        lines += ["This store is a server database: back it up with its own tools, stop the server before a restore, "
                  "and check the registry afterwards:", ""]
        lines += code("pg_dump --format=custom --file=tunedesk.dump \"$DBURL\"",
                      "pg_restore --clean --if-exists --dbname=\"$DBURL\" tunedesk.dump", f.cmd("models"))
    else:
        lines += [f"The store is the SQLite file `{st.path}` in WAL mode: do not copy the file while the server runs "
                  "(the copy can miss what the write-ahead log holds). `tunedesk backup` uses SQLite's online backup "
                  "(safe while serving) and checks the copy; copy `backups/` off this machine.", "",
                  "To restore: stop the server, then `tunedesk restore` (the newest backup, or name a file): it "
                  "checks the backup before it replaces anything and keeps the replaced store beside it as "
                  "`<name>.replaced-<time>`; then check and start again.", ""]
        lines += code(f.cmd("backup"), f.cmd("restore latest"), f.cmd("status"), f.cmd("models"), f.cmd("serve"))
    keep = ["tunedesk.yaml", f.ws.config.policies, f.ws.config.redaction, *([f.ws.config.kb] if f.ws.config.kb else []),
            *[f"runs/{v}" for v in _versions_to_keep(f)]]
    lines += ["The files a restore also needs (the config, the policies, the KB, and the runs of production and its "
              "rollback target):", ""]
    lines += code(f"tar -czf workspace-files.tar.gz -C {f.ws_arg} " + " ".join(shlex.quote(k) for k in keep))
    return lines


def _versions_to_keep(f: Facts) -> list[str]:
    d = f.deployment
    wanted = [v for v in (d.production.id if d.production else None, d.previous) if v and v != "base"]
    return [v for v in wanted if (f.ws.root / "runs" / v).is_dir()]


def locations(f: Facts) -> list[str]:
    """Section 9: where the logs, reports, quarantine and redaction review are (and whether they exist yet)."""
    lines = ["## 9. Where things are", "", "| path | what | present |", "|---|---|---|",
             f"| store: served_replies, feedback | the reply log: every served reply (PII masked) with its decision, "
             f"reasons, confidence, model version and rollout bucket; agents' reviews | {f.store.url} |"]
    for relative, what in LOCATIONS:
        present = "yes" if (f.ws.root / relative).exists() else "not yet"
        lines.append(f"| `{relative}` | {what} | {present} |")
    lines += ["", "The server itself writes only warnings to its standard error (uvicorn, log level warning): "
              "keep it with your process manager; everything about replies is in the reply log.", ""]
    return lines


def triggers(f: Facts) -> list[str]:
    """Section 10: the retraining-trigger policy exactly as tunedesk.yaml's `drift` section sets it."""
    d = f.ws.config.drift
    lines = ["## 10. Retraining-trigger policy (as configured)", "",
             f"`tunedesk drift` compares tickets the run never saw, created in the last {d.window_days} days before "
             f"the newest such ticket (`drift.window_days`), with the run's training data. It says **retrain** when "
             "any one of these holds:", "",
             f"- the category mix moved: total-variation distance > {d.max_category_shift:g} "
             "(`drift.max_category_shift`);",
             f"- the customers' wording moved: cosine distance of the mean MiniLM embeddings > "
             f"{d.max_embedding_shift:g} (`drift.max_embedding_shift`);",
             f"- new kinds of questions: more than {d.max_far_share:.0%} of recent tickets have no training message "
             f"with similarity ≥ {d.far_similarity:g} (`drift.max_far_share`, `drift.far_similarity`);",
             "- policies.yaml changed since the run (`drift.retrain_on_policy_change: true`);"
             if d.retrain_on_policy_change else
             "- policy changes: **not a trigger here** (`drift.retrain_on_policy_change: false`);",
             f"- at least {d.min_new_edits} agent edits of served replies since the run started "
             "(`drift.min_new_edits`; edits only: approvals and ratings do not count).", "",
             f"With fewer than {d.min_tickets} recent tickets (`drift.min_tickets`) the first three are not judged "
             "and the verdict is `not_enough_data`, unless policies or edits already say retrain. The embedding "
             "checks are skipped, saying so, when MiniLM is not installed.", "",
             "Not in the configuration, so not triggers: a rejection or thumbs-down rate, a maximum model age, "
             "scores on live traffic. Nothing runs the check by itself: schedule it (e.g. nightly). "
             "`tunedesk drift` compares with the newest run unless given `--run`; `retrain --if-needed` checks "
             "the newest run.", ""]
    production = f.deployment.production
    check = [f.cmd(f"drift --run {production.id}")] if production and production.kind == "run" else [f.cmd("drift")]
    lines += code(*check, f.cmd("retrain --if-needed"))
    return lines


def incident(f: Facts) -> list[str]:
    """Section 11: the model said something wrong: find the reply, contain, correct, retrain."""
    previous = f.deployment.previous
    contain = f.cmd("rollback") + f"   # back to {previous}" if previous else f.cmd("serve serve.rollout_percent=0")
    lines = ["## 11. Incident checklist: the model said something wrong", "",
             "1. **Find the reply.** A `/v1/replies` answer carries its reply `id` (chat completions: "
             "`tunedesk.id`), and the log holds the ticket id; the review app at "
             f"http://{f.ws.config.serve.host}:{f.ws.config.serve.port}/ui lists recent replies. In the store:",
             ""]
    if f.store.path is not None:
        query = ("SELECT id, created_at, model_version, decision, status FROM served_replies "
                 "WHERE ticket_id = 'TICKET_ID' ORDER BY created_at DESC")
        lines += code(f"sqlite3 -readonly {shlex.quote(str(f.store.path))} \"{query}\"")
    else:
        lines += ["   `SELECT id, created_at, model_version, decision, status FROM served_replies WHERE ticket_id = "
                  "'TICKET_ID'` with your database client.", ""]
    lines += ["2. **Contain.** One bad reply: the agent rejects or edits it in /ui (or `POST /v1/feedback` with "
              "`kind: reject` or `edit`). A pattern: roll back (section 5) or take the model out of the path, then "
              "restart:", ""]
    lines += code(contain, f.cmd("serve serve.mode=draft") + "   # every reply to an agent until fixed")
    lines += ["3. **Teach the right answer.** Edit the reply in /ui with the correct text (an edit teaches exactly "
              "that text; a thumbs-down keeps the reply out of training). If the answer followed an outdated policy, "
              "fix policies.yaml first (raise its version).",
              "4. **Retrain through the gate.** Export the feedback and retrain; the gate refuses a model that "
              "regresses:", ""]
    lines += code(f.cmd("feedback export"), f.cmd("retrain"), f.cmd("models"))
    lines += ["5. **Write it down**: the reply id, the version that served it, what was rolled back, the new run.", ""]
    return lines
