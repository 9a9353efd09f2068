"""html_to_text, strip_quoted, strip_signature and extract_reply on real reply emails and hand-written cases."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest

from tunedesk.text.html import html_to_text, looks_like_html
from tunedesk.text.reply import extract_reply, strip_quoted, strip_signature


def _norm(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def _plain_body(path: Path) -> str:
    with open(path, "rb") as fh:
        message = email.message_from_binary_file(fh, policy=email.policy.default)
    return message.get_body(("plain",)).get_content()


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
    assert extract_reply(message.get_body(("plain",)).get_content()) == "I love pizza parties"
    assert html_to_text(message.get_body(("html",)).get_content()) == "I love pizza parties"


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
        "Hello Dana,\n\nFish & chips <3\nLine two\n\n- One\n- Two\n\n- Three\n\n"
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
