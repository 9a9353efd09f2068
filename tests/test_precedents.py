"""Precedent-grounded prompts: the index holds training tickets only, an example never sees itself or its
near-duplicate cluster, build and the server write the same prompt for the same ticket, and a run keeps, checks and
exports the index it was trained with."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tiny_data import tiny_overrides
from tunedesk.answer.context import ContextBuilder
from tunedesk.answer.precedents import precedents_for
from tunedesk.answer.setup import build_responder
from tunedesk.build import stage as build_stage
from tunedesk.build.precedents import retriever
from tunedesk.clean import stage as clean_stage
from tunedesk.config.data import PrecedentsConfig
from tunedesk.ingest import stage as ingest
from tunedesk.prompt.precedents import HEADING, PastTicket, PastTickets, PrecedentIndexError, Precedents, split_prompt
from tunedesk.records import TicketIn
from tunedesk.scaffold import init_workspace
from tunedesk.store.evaluations import eval_dir
from tunedesk.workspace import Workspace

pytestmark = pytest.mark.xdist_group("train")


def _ticket(n: int, cluster: str, customer: str, reply: str, category: str = "returns",
            kind: str = "answer") -> PastTicket:
    return PastTicket(f"t{n}#1", f"t{n}", cluster, category, kind, customer, reply)


def test_nearest_skips_the_excluded_cluster_and_takes_one_ticket_per_cluster() -> None:
    index = PastTickets([
        _ticket(1, "a", "can I return my boots", "Yes, within 30 days."),
        _ticket(2, "a", "can I return my boots please", "Yes, within 30 days!"),
        _ticket(3, "b", "return boots after a month", "Returns are free within 30 days."),
        _ticket(4, "c", "is shipping free", "Free over $75.", category="shipping"),
    ])
    assert [t.id for t in index.nearest("can I return my boots", 2)] == ["t1#1", "t3#1"]
    assert [t.id for t in index.nearest("can I return my boots", 2, exclude_cluster="a")] == ["t3#1"]
    assert index.nearest("boots shipping", 2, min_similarity=0.9) == []
    assert all(t.category != "returns" for t in index.distractors(2, "returns", "seed"))


def test_a_precedent_is_cut_to_its_budget_without_greeting_or_sign_off_and_keeps_its_escalation() -> None:
    sign_off = "Happy trails,\nThe Trailhead team"
    escalated = _ticket(1, "a", "I want to sue you " + "really " * 80,
                        "Hi Sam,\n\nI'm sorry. Our relations team will contact you.\n\n" + sign_off
                        + "\n[[escalate: legal_threat]]", kind="escalation")
    answered = _ticket(2, "b", "return boots", "Hello,\n\nYes, returns are free.\n\n" + sign_off)
    picker = Precedents(PastTickets([escalated, answered]), PrecedentsConfig(customer_chars=60), sign_off)
    section = picker.section([escalated, answered])
    assert section.startswith(HEADING)
    assert "Hi Sam" not in section and "Happy trails" not in section and "Hello," not in section
    assert "[1] Customer: I want to sue you really" in section and " …\nAgent:" in section
    assert "Our relations team will contact you.\n[[escalate: legal_threat]]\n[2]" in section
    assert section.endswith("Agent: Yes, returns are free.")
    assert split_prompt("policies\n" + section) == ("policies", section)


def test_contrary_precedents_show_an_escalation_beside_an_answer_and_none_beside_an_escalation() -> None:
    escalated = _ticket(1, "a", "I want my money back for the boots or I sue", "Passed on. [[escalate: legal_threat]]",
                        kind="escalation")
    tickets = [escalated, _ticket(2, "b", "can I return my boots", "Yes, within 30 days."),
               _ticket(3, "c", "return boots after a month", "Returns are free within 30 days."),
               _ticket(4, "d", "money back for boots, I will sue", "Sorry. [[escalate: legal_threat]]",
                       kind="escalation")]
    every = PrecedentsConfig(k=2, distractor_share=0.0, contrary_share=1.0, retrieval="tfidf")
    picker = Precedents(PastTickets(tickets), every)
    answer = picker.for_training("x#1", "can I return my boots", "returns", "x", 0, kind="answer")
    assert "t2#1" in [t.id for t in answer] and sum(t.kind == "escalation" for t in answer) == 1
    escalation = picker.for_training("y#1", "I sue unless I get money back for my boots", "returns", "y", 0,
                                     kind="escalation")
    assert escalation and all(t.kind != "escalation" for t in escalation)
    refusal = picker.for_training("z#1", "can I return my boots", "returns", "z", 0, kind="refusal")
    assert refusal == picker.for_ticket("can I return my boots", "z")
    # show_escalated: false leaves escalated past tickets out of every prompt, training and served alike
    hidden = Precedents(PastTickets(tickets), every.model_copy(update={"show_escalated": False}))
    assert picker.for_ticket("money back for my boots or I sue")[0].kind == "escalation"
    assert all(t.kind != "escalation" for t in hidden.for_ticket("money back for my boots or I sue"))
    assert all(t.kind != "escalation" for t in hidden.for_training("x#1", "can I return my boots", "returns", "x", 0))
    # the share draws its own examples: at 0 every example keeps its nearest tickets
    none = Precedents(PastTickets(tickets), every.model_copy(update={"contrary_share": 0.0}))
    assert none.for_training("x#1", "can I return my boots", "returns", "x", 0) == none.for_ticket(
        "can I return my boots", "x")


def _concepts(texts: list[str]) -> list[list[float]]:
    """A stand-in sentence embedder: one axis per concept, whatever the words."""
    axes = {"parcel": 0, "package": 0, "delivery": 0, "arrived": 0, "refund": 1, "money": 1, "back": 1}
    out = []
    for text in texts:
        vector = [0.0, 0.0, 0.01]
        for word in text.lower().split():
            if word in axes:
                vector[axes[word]] += 1.0
        out.append(vector)
    return out


def test_embedding_and_hybrid_retrieval_find_a_precedent_in_other_words() -> None:
    index = PastTickets([
        _ticket(1, "a", "my package never arrived", "Let me check the delivery.", category="shipping"),
        _ticket(2, "b", "can I get my money back", "Refunds take 5 days.", category="refunds"),
        _ticket(3, "c", "where is my order", "Tracking is in your email.", category="shipping"),
    ])
    query = "the parcel is missing, no delivery yet"
    assert [t.id for t in index.nearest(query, 1)] == []  # no shared word: TF-IDF finds nothing
    with pytest.raises(PrecedentIndexError, match="needs a sentence embedder"):
        index.nearest(query, 1, retrieval="embedding")
    index.with_embedder(_concepts)
    assert [t.id for t in index.nearest(query, 1, retrieval="embedding")] == ["t1#1"]
    assert [t.id for t in index.nearest("where is my refund money", 2, retrieval="hybrid")] == ["t2#1", "t3#1"]
    picker = Precedents(index, PrecedentsConfig(k=1, retrieval="embedding"))
    assert [t.id for t in picker.for_ticket(query)] == ["t1#1"]
    with pytest.raises(ValueError, match="retrieval"):
        PrecedentsConfig.model_validate({"retrieval": "bm42"})


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    root = tmp_path_factory.mktemp("precedents") / "ws"
    init_workspace(root, example=True, example_tickets=400)
    ws = Workspace.open(root, ["serve.kb_top_k=0", "serve.embedder=static"])
    ingest.run(ws)
    clean_stage.run(ws)
    build_stage.run(ws)
    return ws


def _rows(ws: Workspace, split: str) -> list[dict]:
    return [json.loads(line) for line in (ws.output_dir("data") / f"{split}.jsonl").read_text().splitlines()]


def test_the_index_holds_training_tickets_only(built: Workspace) -> None:
    index = PastTickets.load(built.output_dir("data") / "precedents.jsonl")
    trained = {r["id"] for r in _rows(built, "train")}
    held = {r["ticket_id"] for split in ("val", "holdout") for r in _rows(built, split)}
    assert index.tickets and {t.id for t in index.tickets} <= trained
    assert not {t.ticket_id for t in index.tickets} & held


def test_a_training_example_never_sees_itself_or_its_cluster(built: Workspace) -> None:
    index = PastTickets.load(built.output_dir("data") / "precedents.jsonl")
    cluster = {t.ticket_id: t.cluster for t in index.tickets}
    by_id = {t.id: t for t in index.tickets}
    rows = _rows(built, "train")
    shown = [(r, by_id[p]) for r in rows for p in r["metadata"].get("precedents", [])]
    assert len({r["id"] for r, _ in shown}) > 0.9 * len(rows)
    assert all(p.ticket_id != r["ticket_id"] and p.cluster != cluster[r["ticket_id"]] for r, p in shown)
    shared = [c for c in cluster.values() if list(cluster.values()).count(c) > 1]
    assert shared, "the corpus has near-duplicate clusters, so the exclusion is exercised"
    picker = Precedents(retriever(index, built.config.dataset.precedents), built.config.dataset.precedents)
    customer = {r["id"]: "\n".join(m["content"] for m in r["messages"] if m["role"] == "user") for r in rows}
    replaced = [r for r in rows if r["metadata"].get("precedents", []) !=
                [t.id for t in picker.for_ticket(customer[r["id"]], cluster[r["ticket_id"]])]]
    assert all(by_id[p].category != r["category"] for r in replaced for p in r["metadata"]["precedents"])
    assert 0.08 < len(replaced) / len(rows) < 0.25  # distractor_share 0.15 of 181 rows


def test_build_and_the_server_write_the_same_prompt_for_a_held_out_ticket(built: Workspace) -> None:
    contexts = ContextBuilder(built, top_k=0, precedents=precedents_for(built, "base"))
    rows = _rows(built, "holdout")
    with_precedents = 0
    for row in rows:
        ticket = TicketIn(id=row["id"], messages=[m for m in row["messages"] if m["role"] == "user"])
        served = contexts.build(ticket).system_prompt
        assert served == row["messages"][0]["content"]
        with_precedents += HEADING in served
    assert with_precedents > 0.9 * len(rows)


def test_a_run_keeps_checks_and_exports_its_index(built: Workspace, tmp_path: Path) -> None:
    from tunedesk.export.stage import export_run
    from tunedesk.train import stage as train_stage

    ws = Workspace.open(built.root, tiny_overrides("train.method=full", "train.max_steps=1", "train.eval_every=50",
                                                   "train.batch_tokens=512", "train.micro_batch_tokens=512"))
    run = train_stage.run(ws).run
    kept = run.path / "precedents.jsonl"
    assert kept.read_bytes() == (ws.output_dir("data") / "precedents.jsonl").read_bytes()
    assert precedents_for(ws, run.id) is not None
    exported = export_run(run.path, "merged", tmp_path / "merged", check=False)
    assert (tmp_path / "merged" / "precedents.jsonl").read_bytes() == kept.read_bytes()
    assert "precedent index" in exported.files

    summary = eval_dir(ws.root, run.id) / "summary.json"
    summary.parent.mkdir(parents=True, exist_ok=True)
    summary.write_text(json.dumps({"model": run.id, "precedents_sha256": "0" * 64}))
    with pytest.raises(PrecedentIndexError, match="evaluated with"):
        build_responder(ws, version=run.id)
    summary.unlink()
    kept.write_bytes(b"".join(kept.read_bytes().splitlines(keepends=True)[:-1]))  # one precedent fewer
    with pytest.raises(PrecedentIndexError, match="changed since"):
        precedents_for(ws, run.id)
    kept.unlink()
    with pytest.raises(PrecedentIndexError, match="missing"):
        precedents_for(ws, run.id)


def test_a_name_or_order_number_copied_from_a_precedent_is_an_invention(built: Workspace) -> None:
    from tunedesk.eval.judges import get_judge
    from tunedesk.eval.judges.base import Item

    judge = get_judge("rubric", policies=built.policies(), similarity=False)
    system = (f"You are the support assistant.\n{HEADING}\n[1] Customer: Where is order <ORDER_1>? <NAME_1>\n"
              "Agent: Order <ORDER_1> left our warehouse yesterday, <NAME_1>.")
    reference = "I can't see live order details from here; the tracking link is in your shipping email."

    def item(customer: str) -> Item:
        return Item("x", "order_status", "answer", [{"role": "system", "content": system},
                                                     {"role": "user", "content": customer}], reference)

    copied = judge.judge([item("Where is my parcel?")], ["Order <ORDER_1> left our warehouse yesterday."])[0]
    assert copied.score == 1 and "<ORDER_1>" in " ".join(copied.reasons)
    own = judge.judge([item("Where is my parcel, order <ORDER_1>?")],
                      ["I can't see live order details from here; the tracking link for <ORDER_1> is in your "
                       "shipping email."])[0]
    assert own.score == 3, own.reasons


def test_a_run_built_without_precedents_is_served_without_them(built: Workspace, tmp_path: Path) -> None:
    import shutil

    from tunedesk.train import stage as train_stage

    root = tmp_path / "ws"
    shutil.copytree(built.root, root)
    plain = Workspace.open(root, ["dataset.precedents.k=0"])
    build_stage.run(plain)
    assert HEADING not in (plain.output_dir("data") / "holdout.jsonl").read_text()
    ws = Workspace.open(root, tiny_overrides("train.method=full", "train.max_steps=1", "train.eval_every=50",
                                             "train.batch_tokens=512", "train.micro_batch_tokens=512"))
    run = train_stage.run(ws).run  # today's config says k=2; the training file was built with k=0
    assert run.record["precedents"]["config"]["k"] == 0
    assert precedents_for(ws, run.id) is None
    assert precedents_for(ws, "base") is not None  # the base is served with today's settings


def test_hybrid_retrieval_build_and_the_server_agree(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    init_workspace(root, example=True, example_tickets=200)
    overrides = ["serve.kb_top_k=0", "serve.embedder=static", "dataset.precedents.retrieval=hybrid"]  # the default
    ws = Workspace.open(root, overrides)
    ingest.run(ws)
    clean_stage.run(ws)
    build_stage.run(ws)
    contexts = ContextBuilder(ws, top_k=0, precedents=precedents_for(ws, "base"))
    rows = _rows(ws, "holdout")
    for row in rows:
        ticket = TicketIn(id=row["id"], messages=[m for m in row["messages"] if m["role"] == "user"])
        assert contexts.build(ticket).system_prompt == row["messages"][0]["content"]
    index = PastTickets.load(ws.output_dir("data") / "precedents.jsonl")
    tfidf = Precedents(index, PrecedentsConfig(retrieval="tfidf"))
    customer = {r["id"]: "\n".join(m["content"] for m in r["messages"] if m["role"] == "user") for r in rows}
    differs = [r for r in rows if r["metadata"].get("precedents")
               != [t.id for t in tfidf.for_ticket(customer[r["id"]])]]
    assert differs, "hybrid retrieval picks other precedents than TF-IDF for some tickets"


def test_a_run_is_served_with_the_training_file_it_learnt_from(built: Workspace, tmp_path: Path) -> None:
    """The guards, the category guesser and the confidence's precedents compare with the run's own copy of its
    training file, so a later build does not change what an evaluated run is served with; the base model uses
    today's build."""
    import shutil

    from tunedesk.train import stage as train_stage

    root = tmp_path / "ws"
    shutil.copytree(built.root, root)
    ws = Workspace.open(root, tiny_overrides("train.method=full", "train.max_steps=1", "train.eval_every=50",
                                             "train.batch_tokens=512", "train.micro_batch_tokens=512",
                                             "serve.kb_top_k=0", "serve.embedder=static"))
    run = train_stage.run(ws).run
    learnt = len((run.path / "data" / "train.jsonl").read_text().splitlines())
    today = ws.output_dir("data") / "train.jsonl"
    today.write_text("".join(today.read_text().splitlines(keepends=True)[:5]))  # a later build, much smaller

    served = build_responder(ws, version=run.id)
    assert served.precedents is not None and len(served.precedents.precedents) == learnt > 5
    assert served.guardrails.kit.precedents is not None and served.guardrails.kit.precedents.size > 5
    base = build_responder(ws, version="base")
    assert base.precedents is not None and len(base.precedents.precedents) == 5
