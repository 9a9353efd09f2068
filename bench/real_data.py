"""Real data nobody here wrote, through the whole pipeline, with the embedded default model.

1. Bitext customer support (../shared/data/bitext_customer_support, 27 intents as categories): its `{{...}}`
   placeholders are handled deliberately before import — company facts ({{Customer Support Phone Number}},
   {{Website URL}}, ...) become the values of a policies.yaml written for this shop, so replies are grounded in the
   policies the model is told; per-customer ids ({{Order Number Anonymized}}, ...) become tunedesk's own redaction
   placeholders (<ORDER_1>); UI labels ({{Live Chat}}, {{Order History}}, ...) become their plain names. Then
   import (csv importer with a column mapping) → clean → build → validate → train (LoRA, a token budget) → eval
   the base and the run on the same held-out tickets → the gate's verdict.
2. ABCD (../shared/data/abcd): its agent guidelines become policies sections and KB articles, its 3 sample chats go
   through the jsonl importer, then clean and build — 3 dialogues are enough to show the importers and policies
   work on them, not to train or evaluate anything; that is said in the output.

Everything is written under bench/.work/real_data (git-ignored; the shared data is never copied into the repo).

    python bench/real_data.py                      # Bitext: 40 steps of 2,048 tokens, eval on 60 held-out tickets
    python bench/real_data.py --steps 120 --eval-items 200
    python bench/real_data.py --method full        # full fine-tuning (learning rate 1e-4)
    python bench/real_data.py --reuse-run RUN      # evaluate an earlier run of the workspace again, no training
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
DEFAULT_LR = {"lora": 4e-4, "full": 1e-4}
DATA = HERE.parent.parent / "shared" / "data"
SHOP = {"brand": "Bitext Shop", "phone": "+1 555 0100", "email": "support@bitext-shop.example",
        "url": "https://bitext-shop.example", "hours": "Monday to Friday, 9 am to 6 pm"}
COMPANY = {"Customer Support Phone Number": SHOP["phone"], "Support Phone Number": SHOP["phone"],
           "Customer Support Email": SHOP["email"], "Customer Support Email Address": SHOP["email"],
           "Website URL": SHOP["url"], "Website Name": SHOP["brand"], "Company Name": SHOP["brand"],
           "Customer Support Availability": SHOP["hours"], "Customer Support Hours": SHOP["hours"]}
ESCALATE = ["complaint", "contact_human_agent"]
_PLACEHOLDER = re.compile(r"\{\{\s*([^}]+?)\s*\}\}")


def fill(text: str) -> str:
    """Bitext's placeholders made deliberate: company facts, tunedesk placeholders, plain UI labels."""
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in COMPANY:
            return COMPANY[name]
        if "Anonymized" in name or name.endswith(" ID") or "Number" in name:
            kind = "ORDER" if re.search(r"order|purchase|invoice|refund", name, re.I) else "ID"
            return f"<{kind}_1>"
        return name
    return _PLACEHOLDER.sub(one, text)


def bitext_policies() -> dict[str, Any]:
    def fact(value: str, kind: str, text: str) -> dict[str, Any]:
        return {"value": value, "kind": kind, "topic": "contact", "text": text, "patterns": []}

    return {"brand": SHOP["brand"], "version": "bench-1",
            "voice": {"tone": "friendly and clear", "greeting": "Hi,", "sign_off": "Best regards,\nBitext Shop"},
            "facts": {"support_phone": fact(SHOP["phone"], "phone", f"Customer support phone: {SHOP['phone']}."),
                      "support_email": fact(SHOP["email"], "email", f"Customer support email: {SHOP['email']}."),
                      "website": fact(SHOP["url"], "url", f"Website: {SHOP['url']}."),
                      "support_hours": fact(SHOP["hours"], "text", f"Customer support is open {SHOP['hours']}.")},
            "sections": {"contact": f"Live chat and phone support at {SHOP['phone']}, {SHOP['hours']}."}}


def prepare_bitext(work: Path, limit: int | None) -> tuple[Path, dict[str, int]]:
    """The Bitext CSV with placeholders filled (in the work folder), and placeholder counts by treatment."""
    source = DATA / "bitext_customer_support" / "bitext_customer_support_2023-08_shared.csv"
    rows = list(csv.DictReader(source.open(encoding="utf-8")))[:limit]
    counts = {"company_fact": 0, "tunedesk_placeholder": 0, "ui_label": 0}
    for row in rows:
        for name in _PLACEHOLDER.findall(row["response"]):
            filled = fill("{{" + name + "}}")
            counts["company_fact" if name in COMPANY else "tunedesk_placeholder" if filled.startswith("<")
                   else "ui_label"] += 1
        row["response"], row["instruction"] = fill(row["response"]), fill(row["instruction"])
    out = work / "bitext_filled.csv"
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return out, counts


def workspace(root: Path, policies: dict[str, Any], escalate: list[str], allowlist: list[str] | None = None,
              **clean: Any) -> Any:
    """A fresh workspace with these policies, escalation categories, clean settings and the shop's own contacts
    on the redaction allowlist (a shop's phone in a reply is not a customer's)."""
    import shutil

    from tunedesk.scaffold import init_workspace
    from tunedesk.workspace import Workspace

    shutil.rmtree(root, ignore_errors=True)
    init_workspace(root, example=False)
    (root / "policies.yaml").write_text(yaml.safe_dump(policies, sort_keys=False), encoding="utf-8")
    if allowlist:
        rules = root / "redaction.yaml"
        text = rules.read_text(encoding="utf-8")
        if "\nallowlist: []\n" not in text:
            raise SystemExit(f"{rules}: no `allowlist: []` line to fill in; the default redaction.yaml changed")
        rules.write_text(text.replace("\nallowlist: []\n", f"\nallowlist: {json.dumps(allowlist)}\n"), encoding="utf-8")
    config = yaml.safe_load((root / "tunedesk.yaml").read_text(encoding="utf-8"))
    # the default cancellation rule is for shops where cancelling needs a person; Bitext answers cancellations
    config["escalation"]["rules"] = [r for r in config["escalation"]["rules"] if r["name"] != "cancellation"]
    config["escalation"]["categories"] = escalate
    config["clean"].update(clean)
    (root / "tunedesk.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return Workspace.open(root)


def run_bitext(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    from tunedesk.build import stage as build_stage
    from tunedesk.clean import stage as clean_stage
    from tunedesk.eval import gate
    from tunedesk.eval.report import build_report
    from tunedesk.eval.stage import run as evaluate
    from tunedesk.ingest import stage as ingest
    from tunedesk.progress import RichReporter
    from tunedesk.train.stage import run as train
    from tunedesk.validate import run as validate
    from tunedesk.workspace import Workspace

    timings: dict[str, float] = {}
    filled, placeholders = prepare_bitext(work, args.tickets)
    kept_runs = _set_aside_runs(work / "bitext", args.reuse_run)
    ws = workspace(work / "bitext", bitext_policies(), ESCALATE, [SHOP["phone"], SHOP["email"], SHOP["url"]])
    if kept_runs:
        kept_runs.rename(ws.root / "runs")
    mapping = {"columns": {"customer": "instruction", "agent": "response", "category": "intent"}}
    started = time.perf_counter()
    ingested = ingest.run(ws, [filled], "csv", mapping)
    cleaned = clean_stage.run(ws)
    built = build_stage.run(ws).as_dict()
    checked = validate(Path(built["paths"]["train"]), workspace=ws)
    timings["ingest_clean_build_validate_s"] = time.perf_counter() - started
    lr = args.lr or DEFAULT_LR[args.method]
    steps = [f"train.method={args.method}", f"train.max_steps={args.steps}", "train.batch_tokens=2048",
             "train.micro_batch_tokens=2048", "train.eval_every=20", f"train.learning_rate={lr}"]
    started = time.perf_counter()
    if args.reuse_run:
        record = json.loads((ws.root / "runs" / args.reuse_run / "run.json").read_text(encoding="utf-8"))
        trained = {"run": args.reuse_run, "final": record.get("final", {}), "method": record.get("method"),
                   "steps": record.get("steps"), "learning_rate": record["config"]["train"]["learning_rate"]}
        timings["train_s"] = record.get("final", {}).get("seconds", 0.0)
    else:
        trained = train(ws, overrides=steps, reporter=RichReporter()).as_dict()
        timings["train_s"] = time.perf_counter() - started
    ws = Workspace.open(ws.root, [f"eval.limit={args.eval_items}",
                                  f"serve.backend.max_new_tokens={args.max_new_tokens}"])
    scores = {}
    for model in ("base", trained["run"]):
        started = time.perf_counter()
        scores[model] = evaluate(ws, model, reporter=RichReporter()).summary
        timings[f"eval_{'base' if model == 'base' else 'run'}_s"] = time.perf_counter() - started
    verdict = gate.check(ws, trained["run"], None)
    html = build_report(ws.output_dir("reports"), candidate=trained["run"])  # the HTML report, baselines first
    return {"method": trained.get("method", args.method), "steps": trained.get("steps", args.steps),
            "learning_rate": trained.get("learning_rate", lr),
            "tickets_in": ingested.tickets.new, "clean_kept": cleaned.kept, "examples": built["examples"],
            "validate_errors": len(checked.errors), "placeholders": placeholders, "run": trained["run"],
            "final": trained["final"], "timings": {k: round(v, 1) for k, v in timings.items()},
            "retrieval": _metrics((scores[trained["run"]].get("baselines") or {}).get("retrieval") or {}),
            "base": _metrics(scores["base"]), "tuned": _metrics(scores[trained["run"]]),
            "vs_baselines": scores[trained["run"]].get("vs_baselines"),
            "gate_failing": [c.name for c in verdict.failing()], "report": str(html.html_path)}


def _set_aside_runs(root: Path, reuse: str | None) -> Path | None:
    """With --reuse-run, the workspace's runs folder moved aside while the data is built again (the same rows,
    seed and split give the same held-out set); None otherwise."""
    if not reuse:
        return None
    runs = root / "runs"
    if not (runs / reuse / "run.json").is_file():
        raise SystemExit(f"--reuse-run {reuse}: no such run in {runs}")
    aside = root.parent / "bitext_runs_aside"
    runs.rename(aside)
    return aside


def _metrics(summary: dict[str, Any]) -> dict[str, Any]:
    keys = ("n", "score_3", "score_3_ci", "score_2", "score_1", "score_1_ci", "escalation_precision",
            "escalation_recall", "hallucination_rate", "policy_accuracy", "refusal_accuracy", "auto_sent",
            "auto_sent_wrong", "auto_sent_wrong_upper", "items_per_min")
    return {k: summary.get(k) for k in keys}


def run_abcd(work: Path) -> dict[str, Any]:
    """ABCD's guidelines as policies and KB, its sample chats through the jsonl importer, clean, build."""
    from tunedesk.build import stage as build_stage
    from tunedesk.clean import stage as clean_stage
    from tunedesk.errors import TunedeskError
    from tunedesk.ingest import stage as ingest

    guidelines = json.loads((DATA / "abcd" / "guidelines.json").read_text(encoding="utf-8"))
    policies = {"brand": "AcmeBrand", "version": "abcd-2021", "facts": {},
                "sections": {flow: body["description"] for flow, body in guidelines.items()}}
    ws = workspace(work / "abcd", policies, [], single_exchange=False)  # ABCD chats are multi-turn by design
    kb = ws.root / "kb"
    for flow, body in guidelines.items():
        lines = [f"# {flow}", "", body["description"], ""]
        for subflow, detail in body["subflows"].items():
            lines += [f"## {subflow}", *(a["text"] for a in detail.get("actions", []) if a.get("text")), ""]
        (kb / f"{re.sub(r'[^a-z0-9]+', '-', flow.lower())}.md").write_text("\n".join(lines), encoding="utf-8")
    chats = work / "abcd_chats.jsonl"
    sample = json.loads((DATA / "abcd" / "abcd_sample.json").read_text(encoding="utf-8"))
    with chats.open("w", encoding="utf-8") as fh:
        for convo in sample:
            turns = [{"role": "user" if who == "customer" else "assistant", "content": text}
                     for who, text in convo["original"] if who in ("customer", "agent")]
            fh.write(json.dumps({"id": str(convo["convo_id"]), "messages": turns,
                                 "category": convo["scenario"]["flow"]}) + "\n")
    ingested = ingest.run(ws, [chats, kb], None, {})
    cleaned = clean_stage.run(ws)
    try:
        built: Any = build_stage.run(ws).as_dict()["examples"]
    except TunedeskError as exc:
        built = f"build refused: {exc}"
    return {"examples": built, "guideline_flows": len(guidelines), "kb_articles": ws.store.count("articles"),
            "chats_in": ingested.tickets.new, "quarantined": ingested.quarantined, "clean_kept": cleaned.kept,
            "clean_dropped": dict(cleaned.dropped) if hasattr(cleaned, "dropped") else None,
            "note": "3 sample dialogues: the importers, policies and KB work on them; far too few to train or "
                    "evaluate (ASAPP's full 10k-dialogue set is not in ../shared)"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=None, help="Only the first N Bitext rows (default all).")
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--method", choices=sorted(DEFAULT_LR), default="lora",
                        help="lora (default) or full fine-tuning, which a 135M model affords.")
    parser.add_argument("--lr", type=float, default=None, help="Learning rate (default: 4e-4 lora, 1e-4 full).")
    parser.add_argument("--eval-items", type=int, default=60)
    parser.add_argument("--max-new-tokens", type=int, default=256,
                        help="new tokens per reply (the server's default; 160 cut off half of Bitext's replies)")
    parser.add_argument("--workdir", type=Path, default=HERE / ".work" / "real_data")
    parser.add_argument("--reuse-run", default=None, metavar="RUN",
                        help="Evaluate this earlier run of the Bitext workspace instead of training a new one.")
    args = parser.parse_args()
    if not (DATA / "bitext_customer_support").is_dir() or not (DATA / "abcd").is_dir():
        print(f"skipped: the third-party data is not at {DATA} (clone beside ../shared)")
        return 0
    args.workdir.mkdir(parents=True, exist_ok=True)
    report = {"abcd": run_abcd(args.workdir), "bitext": run_bitext(args, args.workdir)}
    path = HERE / "results" / "real_data.json"
    path.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    _table(report)
    print(f"wrote {path}")
    return 0


def _table(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    b = report["bitext"]
    table = Table(title=f"Bitext held-out ({b['base']['n']} tickets): the nearest past reply, the base and the "
                        "tuned SmolLM2-135M through the server's path, rubric judge")
    for col in ("metric", "retrieval", "base", "tuned"):
        table.add_column(col, justify="left" if col == "metric" else "right")
    for key in ("score_3", "score_2", "score_1", "escalation_precision", "escalation_recall", "hallucination_rate",
                "policy_accuracy"):
        show = [_share(b[side].get(key), b[side].get(f"{key}_ci")) for side in ("retrieval", "base", "tuned")]
        table.add_row(key, *show)
    console = Console()
    console.print(table)
    console.print(f"Bitext: {b['tickets_in']} tickets → {b['clean_kept']} kept → examples {b['examples']}; "
                  f"placeholders {b['placeholders']}; gate failing: {b['gate_failing']}; timings {b['timings']}")
    console.print(f"ABCD: {report['abcd']}")


def _share(value: float | None, interval: list[float] | None) -> str:
    if value is None:
        return "–"
    return f"{value:.1%}" + (f" [{interval[0]:.0%}–{interval[1]:.0%}]" if interval else "")


if __name__ == "__main__":
    sys.exit(main())
