"""html_to_text, strip_quoted, strip_signature and extract_reply on real reply emails and hand-written cases."""

from __future__ import annotations

import email
import email.policy
import random
import re
from pathlib import Path

import pytest

from tunedesk.example import generate_tickets
from tunedesk.text import reply
from tunedesk.text.html import html_to_text, looks_like_html
from tunedesk.text.patterns import compile_ci
from tunedesk.text.prefilter import required_literals
from tunedesk.text.reply import extract_reply, strip_quoted, strip_signature


def _norm(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def _plain_body(path: Path) -> str:
    with open(path, "rb") as fh:
        message = email.message_from_binary_file(fh, policy=email.policy.default)
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


# --- real fixtures: talon (mailgun) standard replies -------------------------------------------------------------

SIMPLE_TALON_REPLIES = ["android", "apple_mail", "apple_mail_2", "comcast", "gmail", "hotmail", "iphone", "sparrow",
                        "thunderbird", "yahoo"]


@pytest.mark.parametrize("name", ["iphone", "sparrow"])
def test_strip_quoted_matches_talon_expected_reply(shared_data: Path, name: str) -> None:
    folder = shared_data / "emails" / "talon_standard_replies"
    expected = (folder / f"{name}_reply_text").read_text(encoding="utf-8")
    assert _norm(strip_quoted(_plain_body(folder / f"{name}.eml"))) == _norm(expected)


@pytest.mark.parametrize("name", SIMPLE_TALON_REPLIES)
def test_extract_reply_keeps_only_the_new_text_of_talon_replies(shared_data: Path, name: str) -> None:
    body = _plain_body(shared_data / "emails" / "talon_standard_replies" / f"{name}.eml")
    assert extract_reply(body) == "Hello"


def test_extract_reply_cuts_yahoo_share_block_history(shared_data: Path) -> None:
    body = _plain_body(shared_data / "emails" / "talon_standard_replies" / "reply-quotations-share-block.eml")
    reply = extract_reply(body)
    assert reply.startswith("Hi Katharine.")
    assert "look forward to hearing from you soon." in reply
    assert "New Booking Inquiry" not in reply
    assert "wrote:" not in reply


def test_helpscout_raw_email_keeps_its_one_line_body(shared_data: Path) -> None:
    path = shared_data / "emails" / "helpscout_raw" / "helpscout_original_source_email.eml"
    with open(path, "rb") as fh:
        message = email.message_from_binary_file(fh, policy=email.policy.default)
    plain, rich = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None and rich is not None
    assert extract_reply(plain.get_content()) == "I love pizza parties"
    assert html_to_text(rich.get_content()) == "I love pizza parties"


# --- real fixtures: talon HTML replies -----------------------------------------------------------------------------

TALON_HTML = ["gmail", "hotmail", "mail_ru", "ms_outlook_2003", "ms_outlook_2007", "ms_outlook_2010", "thunderbird",
              "windows_mail", "yandex_ru"]


@pytest.mark.parametrize("name", TALON_HTML)
def test_html_reply_keeps_reply_and_drops_quote(shared_data: Path, name: str) -> None:
    html = (shared_data / "emails" / "talon_html_replies" / f"{name}.html").read_text(encoding="utf-8")
    reply = extract_reply(html_to_text(html))
    assert reply.startswith("Hi. I am fine.")
    assert "How are you" not in reply
    assert "Sasha" not in reply


@pytest.mark.parametrize("name", [n for n in TALON_HTML if n != "ms_outlook_2010"])
def test_html_to_text_alone_drops_client_quote_containers(shared_data: Path, name: str) -> None:
    # Outlook 2010 marks its quote with nothing but a From/Sent block: only the text pass (extract_reply) finds it.
    html = (shared_data / "emails" / "talon_html_replies" / f"{name}.html").read_text(encoding="utf-8")
    text = html_to_text(html)
    assert text.startswith("Hi. I am fine.")
    assert "How are you" not in text


def test_html_to_text_keeps_quotes_when_asked(shared_data: Path) -> None:
    html = (shared_data / "emails" / "talon_html_replies" / "gmail.html").read_text(encoding="utf-8")
    assert "Hello! How are you?" in html_to_text(html, drop_quotes=False)


# --- real fixtures: github/email_reply_parser bodies ----------------------------------------------------------------

# file → (how the visible reply starts, phrases it keeps, phrases of the quote/signature it must not keep)
REPLY_PARSER_CASES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "correct_sig.txt": ("this is an email with a correct -- signature.", (), ("rick",)),
    "email_1_1.txt": ("Hi folks", ("Java HTTP API.",), ("riak-users mailing list",)),
    "email_1_2.txt": ("Hi,", ("You can list the keys for the bucket", "delete them all individually"),
                      ("Abhishek Kona wrote", "What is the best way", "riak-users mailing list")),
    "email_1_3.txt": ("Oh thanks.", ("Having the function would be great.",), ("Russell Brown wrote", "You can list")),
    "email_1_4.txt": ("Awesome! I haven't had another problem with it.", (), ("defunkt", "Loader seems")),
    "email_1_5.txt": ("One: Here's what I've got.", ("- This is the fourth bullet point", "goes on and on"), ()),
    "email_1_6.txt": ("I get proper rendering as well.", (), ("Corey Donohoe", "caching related")),
    "email_1_7.txt": (":+1:", (), ("Chris Wanstrath", "Steps 0-2")),
    "email_1_8.txt": ("I will reply under this one", ("and under this.",),
                      ("okay.  Well, here's some stuff", "Tim Haines", "Hey there, this is my signature")),
    "email_2_1.txt": ("Outlook with a reply", (), ("Google Apps Sync", "-----")),
    "email_2_2.txt": ("Outlook with a reply directly above line", (), ("CRM Comments", "A new comment")),
    "email_2_3.txt": ("Outlook with a reply directly above line", (), ("CRM Comments", "A new comment")),
    "email_BlackBerry.txt": ("Here is another email", (), ("Sent from my BlackBerry",)),
    "email_bullets.txt": ("test 2 this should list second", ("and retain this formatting", "- and another"),
                          ("Give us an example", "Joe Smith")),
    "email_iPhone.txt": ("Here is another email", (), ("Sent from my iPhone",)),
    "email_multi_word_sent_from_my_mobile_device.txt": ("Here is another email", (), ("Verizon Wireless",)),
    "email_one_is_not_on.txt": ("Thank, this is really helpful.", ("One outstanding question I had:",
                                                                    "Locally (on development)"),
                                ("Dave Tapley wrote", "lastLocation")),
    "email_sent_from_my_not_signature.txt": ("Here is another email",
                                             ("Sent from my desk, is much easier then my mobile phone.",), ()),
    "email_sig_delimiter_in_middle_of_line.txt": ("Hi there!", ("this is not a signature.", "kthxbai"), ()),
    "greedy_on.txt": ("On your remote host you can run:", ("the tunnel is not working.",),
                      ("George Plymale wrote", "port forwarding")),
    "pathological.txt": ("I think you're onto something.", ("get back to a computer.",),
                         ("John Sullivan", "ATGGAGAGAATAAAGG")),
}


@pytest.mark.parametrize("name", sorted(REPLY_PARSER_CASES))
def test_extract_reply_on_email_reply_parser_bodies(shared_data: Path, name: str) -> None:
    start, kept, dropped = REPLY_PARSER_CASES[name]
    reply = extract_reply((shared_data / "emails" / "email_reply_parser" / name).read_text(encoding="utf-8"))
    assert reply.startswith(start)
    for phrase in kept:
        assert phrase in reply
    for phrase in dropped:
        assert phrase not in reply


# --- hand cases: signatures -----------------------------------------------------------------------------------------

def test_a_message_that_is_only_a_sign_off_is_not_emptied() -> None:
    assert strip_signature("Thanks,\nBob") == "Thanks,\nBob"
    assert extract_reply("Thanks,\nBob") == "Thanks,\nBob"


def test_dash_dash_space_signature_is_dropped() -> None:
    signed = "Your order shipped today.\n\n-- \nJake\nTrailhead Outfitters"
    assert strip_signature(signed) == "Your order shipped today."
    assert strip_signature("Fixed, thanks.\n--\nBen") == "Fixed, thanks."


def test_agent_sign_off_block_is_dropped_exactly() -> None:
    reply = ("Hi Dana,\n\nYour replacement pole ships today.\n\nBest,\nJake\nTrailhead Outfitters Support\n"
             "+1 (303) 555-0142\nhttps://trailhead-outfitters.example")
    assert strip_signature(reply) == "Hi Dana,\n\nYour replacement pole ships today."


@pytest.mark.parametrize("footer", ["Sent from my iPhone", "Sent from my Samsung Galaxy smartphone",
                                    "Get Outlook for iOS", "Sent from my BlackBerry 10 smartphone"])
def test_mobile_footers_are_dropped(footer: str) -> None:
    assert strip_signature(f"Can I change the size?\n\n{footer}") == "Can I change the size?"


def test_valediction_followed_by_content_is_kept() -> None:
    text = ("The boots arrived.\n\nThanks,\nI tried the exchange form twice and it keeps failing at the payment "
            "step with an error about my postcode")
    assert strip_signature(text) == text
    question = "The boots arrived.\n\nThanks,\nCan you also check order 1002?"
    assert strip_signature(question) == question


def test_signature_words_in_the_middle_are_not_cut() -> None:
    text = ("Sent from my phone earlier: the app crashed.\nBest, it happens every time I open the map and tap "
            "on a trail name, on Android 14.\nPlease advise.")
    assert strip_signature(text) == text


def test_sign_off_under_a_mobile_footer_both_go() -> None:
    assert extract_reply("Where is my refund?\n\nCheers,\nDana\n\nSent from my iPhone") == "Where is my refund?"


# --- hand cases: quoted history ------------------------------------------------------------------------------------

@pytest.mark.parametrize("header", [
    "On Mon, May 6, 2024 at 9:15 AM, Dana Reyes <dana@customer.example> wrote:",
    "Le lun. 6 mai 2024 à 09:15, Dana Reyes <dana@customer.example> a écrit :",
    "Am Mo., 6. Mai 2024 um 09:15 Uhr schrieb Dana Reyes <dana@customer.example>:",
    "El lun, 6 may 2024 a las 9:15, Dana Reyes (<dana@customer.example>) escribió:",
    "On Mon, May 6, 2024 at 9:15 AM Dana Reyes <\ndana@customer.example> wrote:",
    "-----Original Message-----",
    "________________________________",
    "Begin forwarded message:",
])
def test_everything_after_a_reply_header_is_dropped(header: str) -> None:
    text = f"Sounds good, thank you.\n\n{header}\nHello, my tent pole snapped.\nCan you help?"
    assert strip_quoted(text) == "Sounds good, thank you."


def test_outlook_header_block_cuts_history() -> None:
    text = ("Refund approved.\n\nFrom: Dana Reyes <dana@customer.example>\nSent: Monday, May 6, 2024 9:15 AM\n"
            "To: Trailhead Support <help@trailhead-outfitters.example>\nSubject: Refund\n\nPlease refund order 1001.")
    assert strip_quoted(text) == "Refund approved."


def test_a_single_from_line_is_not_a_header_block() -> None:
    text = "From: the warehouse in Denver.\nTo: your door in 3 days."
    assert strip_quoted(text) == text


def test_quoted_lines_go_and_inline_answers_stay() -> None:
    text = "> Do you ship to Canada?\nYes, in 5-8 days.\n\n> And Mexico?\nAlso yes."
    assert strip_quoted(text) == "Yes, in 5-8 days.\n\nAlso yes."


def test_bottom_posted_reply_under_a_header_is_kept() -> None:
    text = "On 06/05/2024 09:15, Dana Reyes wrote:\n> Is the tent waterproof?\nYes, rated to 3000 mm."
    assert strip_quoted(text) == "Yes, rated to 3000 mm."


def test_an_attribution_without_a_year_above_quoted_lines_goes() -> None:
    text = "Thanks, that worked.\n\nYesterday at 15:02, Nik Reyes wrote:\n> Try resetting the zip.\n> Nik"
    assert strip_quoted(text) == "Thanks, that worked."
    said = "The guide I read wrote:\nwaterproof to 3000 mm. Is that right?"  # no quoted block below: kept
    assert strip_quoted(said) == said


def test_a_forward_without_a_comment_keeps_the_forwarded_text() -> None:
    text = ("---------- Forwarded message ---------\nFrom: Orders <orders@shop.example>\n"
            "Date: Mon, May 6, 2024\nSubject: Shipped\nTo: <dana@customer.example>\n\nOrder 1001 has shipped.")
    assert strip_quoted(text) == text


def test_plain_messages_come_back_unchanged_but_trimmed() -> None:
    assert strip_quoted("  Hi there!\r\nWhere is my order?\r\n") == "Hi there!\nWhere is my order?"
    assert extract_reply("") == ""


# --- hand cases: HTML -----------------------------------------------------------------------------------------------

def test_html_blocks_lists_links_and_entities() -> None:
    html = ('<html><head><title>x</title><style>p{color:red}</style></head><body>'
            '<p>Hello\n   <b>Dana</b>,</p><p>Fish &amp; chips&nbsp;&lt;3<br>Line two</p>'
            '<ul><li>One</li><li>Two</li></ul><ol><li>Three</li></ol>'
            '<p>See the <a href="https://trailhead-outfitters.example/help">help center</a>, '
            '<a href="https://trailhead-outfitters.example">https://trailhead-outfitters.example</a> or '
            '<a href="mailto:help@trailhead-outfitters.example">help@trailhead-outfitters.example</a>.</p>'
            '<script>alert(1)</script></body></html>')
    assert html_to_text(html) == (
        "Hello Dana,\n\nFish & chips <3\nLine two\n\n- One\n- Two\n\n1. Three\n\n"
        "See the help center (https://trailhead-outfitters.example/help), https://trailhead-outfitters.example or "
        "help@trailhead-outfitters.example."
    )


def test_outlook_reply_marker_drops_everything_after_it() -> None:
    html = ('<div>Done, see attached.</div><div id="appendonsend"></div><hr>'
            '<div id="divRplyFwdMsg"><b>From:</b> Dana Reyes<br><b>Sent:</b> Monday</div><div>Original question</div>')
    assert html_to_text(html) == "Done, see attached."


def test_thunderbird_and_yahoo_quotes_are_dropped() -> None:
    thunderbird = ('<p>Yes, it fits.</p><div class="moz-cite-prefix">On 06/05/2024 Dana wrote:</div>'
                   '<blockquote cite="mid:x">Does it fit?</blockquote>')
    yahoo = '<div>Yes.</div><div class="yahoo_quoted"><div>On Monday, Dana wrote:</div><div>Really?</div></div>'
    assert html_to_text(thunderbird) == "Yes, it fits."
    assert html_to_text(yahoo) == "Yes."


def test_gmail_forward_is_content_not_history() -> None:
    html = ('<div>FYI</div><div class="gmail_quote">---------- Forwarded message ---------<br>'
            'From: Orders<br>Your order shipped.</div>')
    assert "Your order shipped." in html_to_text(html)


def test_blockquote_becomes_quoted_lines_without_drop_quotes() -> None:
    assert html_to_text("<p>Tip:</p><blockquote>Air dry<br>No soap</blockquote>", drop_quotes=False) == (
        "Tip:\n\n> Air dry\n> No soap")


def test_deeply_nested_markup_does_not_crash() -> None:
    assert html_to_text("<div>" * 5000 + "deep text" + "</div>" * 5000) == "deep text"


@pytest.mark.parametrize(("text", "expected"), [
    ("<p>Hi</p>", True), ("Hi<br>there", True), ("<div class='x'>a</div>", True), ("<!DOCTYPE html><html>", True),
    ("AT&amp;T is down", False), ("Email me at <dana@customer.example>", False), ("if a < b > c", False),
    ("I <3 this tent", False), ("", False),
])
def test_looks_like_html(text: str, expected: bool) -> None:
    assert looks_like_html(text) is expected


# --- fast paths: the same answers as the line-by-line scans they skip -----------------------------------------------

_FRAGMENTS = [
    "From: Dana Reyes <dana@customer.example>", "FROM: Dana", "**From:** Dana", "From          :   far colon",
    "  Von: Dana", "De : Dana", "От: Дана", "Sent: Monday, May 6, 2024 9:15 AM", "Date: today", "To: Support",
    "Subject: Refund", "Cc: Sam", "Отправлено: сегодня", "Objet: colis", "Betreff: Zelt",
    "On Mon, May 6, 2024 at 9:15 AM, Dana <dana@customer.example> wrote:", "On Mon, May 6, 2024 at 9:15 AM",
    "Dana Reyes <dana@customer.example> wrote:", "2024-05-06 12:00 GMT+02:00 Dana <dana@customer.example>:",
    "Le 6 mai 2024, Dana a écrit :", "-----Original Message-----", "----- ORIGINAL MESSAGE -----",
    "-- Forwarded message --", "---------- Forwarded message ---------", "________________________________",
    "_________", "__________", "Begin forwarded message:", "BEGIN FORWARDED MESSAGE", "Begin forwarded message",
    "Début du message réexpédié :", "Looking forward to hearing from you.", "--", "-- ", "----", "***", "==",
    "> Is the tent waterproof?", "  > nested", "\xa0> odd space", ">", "a > b", "<dana@customer.example>",
    "https://trailhead-outfitters.example", "T: (303) 555-0142 ext. 6", "Order #: 1001", "Note: it is torn",
    "x" * 15 + ": y", "x" * 16 + ": y", "we open at 10:30 today", "a line that ends with a colon:",
    "ends with a colon then spaces: \t", "\u2028", "\xa0", "", " ", "\t", "Thanks,", "Best regards", "Cheers!",
    "Happy trails,", "\u212aind regards,", "ſincerely", "Dana", "Dana Reyes", "Sent from my iPhone",
    "Get Outlook for iOS", "Sent from Mail for Windows", "Trailhead Outfitters Support", "+1 (303) 555-0142",
    "Can you help?", "My tent pole snapped on the second night and the replacement you sent is the wrong size too.",
    "ΑΣ ΒΣ", "Where is my order?",
]


def _fragment_texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        lines = [rng.choice(_FRAGMENTS) for _ in range(rng.randint(1, 12))]
        text = rng.choice(["\n", "\n", "\n", "\r\n", "\r"]).join(lines)
        texts.append(rng.choice(["", " ", "\n", "\t "]) + text + rng.choice(["", " ", "\n", "\n\n"]))
    return texts


def _example_bodies() -> list[str]:
    tickets, _, _ = generate_tickets(300, seed=3)
    return [c["body"] for t in tickets for c in t["comments"]]


def _reference_strip_signature(text: str) -> str:
    """strip_signature as it was before its fast path: every line stripped, lowered and tested, pass by pass."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").strip().split("\n")
    if "\n--" in "\n".join(lines):
        cut = next((i for i in range(1, len(lines)) if lines[i][:2] == "--" and lines[i].rstrip() == "--"), None)
        if cut is not None and reply._has_content(lines[:cut]):
            lines = lines[:cut]
    for _ in range(3):
        cut, seen = None, 0
        for i in range(len(lines) - 1, -1, -1):
            line = lines[i].strip()
            if not line:
                continue
            head = line[:4].lower()
            if seen < 3 and head in reply._MOBILE_HEADS and reply._MOBILE_SIGNATURE.fullmatch(line):
                cut = i
                break
            if head[:3] in reply._VALEDICTION_HEADS and reply._VALEDICTION.fullmatch(line):
                cut = i
                break
            seen += 1
            if seen > 8 or not reply._is_signature_line(line):
                break
        if cut is None or not reply._has_content(lines[:cut]):
            break
        lines = lines[:cut]
    return "\n".join(lines).strip()


def _header_blocks() -> list[str]:
    """Header blocks whose only colon near the start of a line sits at index 15 or 16 of the stripped line."""
    far = ["From" + " " * 20 + ": Dana", "To" + " " * 20 + ": Support", "Subject" + " " * 20 + ": Refund"]
    labels = ["Sent" + " " * 11 + ": Monday", "Sent" + " " * 12 + ": Monday", "\t Sent" + " " * 11 + ": Monday"]
    return [f"Refund approved.\n\n{label}\n" + "\n".join(far) + "\n\nPlease refund order 1001." for label in labels]


def test_marker_prefilter_never_hides_a_marker_or_a_quote() -> None:
    """`_may_have_markers` may only say no where the line scan finds no marker; `_has_quoted_line` agrees."""
    texts = _fragment_texts(4000, seed=1) + _example_bodies() + _header_blocks()
    assert strip_quoted(_header_blocks()[0]) == "Refund approved."
    found = 0
    for text in texts:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        lines = text.split("\n")
        if reply._find_markers(lines):
            found += 1
            assert reply._may_have_markers(text), text
        assert reply._has_quoted_line(text) == any(reply._is_quoted(line) for line in lines), text
    assert found > 1000  # the generated texts do reach every kind of marker


def test_signature_fast_path_matches_the_line_scan() -> None:
    texts = _fragment_texts(4000, seed=2) + _example_bodies()
    texts += ["--\nDana", "---\nFixed.\n\nThanks,\nDana", "***\n\nThanks,\nDana", "", "\n\n", "Thanks,"]
    changed = 0
    for text in texts:
        expected = _reference_strip_signature(text)
        assert strip_signature(text) == expected, text
        changed += expected != text.strip()
    assert changed > 1000


def test_line_kind_cache_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reply, "_MAX_CACHED_LINES", 5)
    monkeypatch.setattr(reply, "_KINDS", {})
    for text in _fragment_texts(50, seed=3):
        assert strip_signature(text) == _reference_strip_signature(text)
    assert len(reply._KINDS) <= 5


# --- literal prefilters of regular expressions ---------------------------------------------------------------------

_REGEX_ATOMS = ["a", "b", "c", "ab", "abc", "[ab]", "[^a]", ".", r"\b", r"\w", r"\d", "(?=a)", "(?!b)", "(?i:a)", " "]


def _random_regex(rng: random.Random, depth: int = 0) -> str:
    parts = []
    for _ in range(rng.randint(1, 4)):
        roll = rng.random()
        if roll < 0.2 and depth < 3:
            part = "(?:" + "|".join(_random_regex(rng, depth + 1) for _ in range(rng.randint(1, 3))) + ")"
        elif roll < 0.3 and depth < 3:
            part = "(" + _random_regex(rng, depth + 1) + ")"
        else:
            part = rng.choice(_REGEX_ATOMS)
        if rng.random() < 0.3 and not part.startswith(("\\b", "(?=", "(?!")):
            part = "(?:" + part + ")" + rng.choice(["?", "*", "+", "{2}", "{1,3}", "{0,2}", "??"])
        parts.append(part)
    return "".join(parts)


def test_required_literals_are_in_every_match() -> None:
    rng = random.Random(5)
    gated = 0
    for _ in range(3000):
        pattern = re.compile(_random_regex(rng))
        literals = required_literals(pattern)
        gated += literals is not None
        for _ in range(20):
            text = "".join(rng.choice("abcAB \n1") for _ in range(rng.randint(0, 12)))
            if pattern.search(text) and literals is not None:
                assert any(lit in text for lit in literals), (pattern.pattern, text, literals)
    assert gated > 1000


@pytest.mark.parametrize(("pattern", "literals"), [
    (r"\b(?:refund|money back)\b.{0,80}\bdays?\b", {"refund", "money back"}),
    (r"\bcancel(?:l?ing|l?ed)?\b.{0,25}\border\b", {"cancel"}),
    (r"x(?:ab)?y", {"xy", "xaby"}),
    (r"(?:ab)+cd", {"ab"}),
    (r"\d+", None), (r"(?i)refund", None), (r"foo|\w+", None), (r"a.b", None),
])
def test_required_literals_of_known_patterns(pattern: str, literals: set[str] | None) -> None:
    assert required_literals(re.compile(pattern)) == (None if literals is None else frozenset(literals))


def test_case_insensitive_gate_keeps_every_match() -> None:
    ci = compile_ci([r"\b(?:passed|forwarded)\b.{0,20}\bteam\b"], ["lawyer"])
    assert ci.gate is not None
    for text in ["I PASSED it to our team", "My Lawyer", "lawyers", "passed on", "FORWARDED to the Team!", ""]:
        assert (ci.search(text) is None) == (ci.pattern.search(text.lower()) is None), text
    upper = compile_ci([r"[A-Z]{3}"])
    assert upper.gate is None and upper.search("order ABC") is not None


def test_sentences_end_at_stops_and_line_breaks_and_clauses_also_at_semicolons() -> None:
    from tunedesk.text.sentences import clauses, sentences

    text = "Hi Sam,\nThanks for writing. I'll pass this on; if it happens again, call us!\n\nBest"
    assert sentences(text) == ["Hi Sam,", "Thanks for writing.", "I'll pass this on; if it happens again, call us!",
                               "Best"]
    assert clauses(text) == ["Hi Sam,", "Thanks for writing.", "I'll pass this on;", "if it happens again, call us!",
                             "Best"]
    assert sentences("  \n ") == [] and clauses("") == []


def test_a_stop_inside_a_word_a_number_a_title_or_a_list_marker_ends_no_sentence() -> None:
    from tunedesk.text.sentences import sentences

    text = ("Your invoice from Ms. <NAME_1> is on shop.com, e.g. under Orders. It takes 3.5 days!\n"
            "Please send:\n1. The date of purchase\n2. The invoice number\n10. Anything else")
    assert sentences(text) == ["Your invoice from Ms. <NAME_1> is on shop.com, e.g. under Orders.",
                               "It takes 3.5 days!", "Please send:", "1. The date of purchase",
                               "2. The invoice number", "10. Anything else"]
    # a sentence that ends in a number still ends there
    assert sentences("Call 555 0100. We open at 9.") == ["Call 555 0100.", "We open at 9."]


def test_a_list_item_whose_text_sits_in_a_paragraph_keeps_its_dash() -> None:
    html = ("<p>Steps:</p><ul><li><p>Open the admin page.</p></li><li><p>Restart.</p><p>Then check.</p></li>"
            "</ul><ol><li>One <b>bold</b></li><li></li></ol>")
    assert html_to_text(html, drop_quotes=False) == ("Steps:\n\n- Open the admin page.\n- Restart.\n\n  Then check."
                                                     "\n\n1. One bold")


def test_ordered_lists_keep_their_numbers_and_nested_lists_their_indentation() -> None:
    html = ("<p>To reset the stove:</p><ol><li>Turn the valve off.</li><li>Hold <b>Reset</b>:<ul><li>3 s for the "
            "igniter,</li><li>10 s for everything:<ol><li>the clock,</li><li>the timers.</li></ol></li></ul></li>"
            "<li><p>Wait.</p><pre>stove --status\n  ready</pre></li></ol>"
            '<p>If it still fails:</p><ol start="4"><li>Call us.</li><li>Send a photo.</li></ol>')
    assert html_to_text(html, drop_quotes=False) == (
        "To reset the stove:\n\n"
        "1. Turn the valve off.\n"
        "2. Hold Reset:\n"
        "   - 3 s for the igniter,\n"
        "   - 10 s for everything:\n"
        "     1. the clock,\n"
        "     2. the timers.\n"
        "3. Wait.\n\n"
        "   stove --status\n"
        "     ready\n\n"
        "If it still fails:\n\n"
        "4. Call us.\n"
        "5. Send a photo.")
