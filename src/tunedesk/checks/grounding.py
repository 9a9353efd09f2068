"""Grounding: the concrete claims in a reply (order numbers, amounts, dates, URLs, emails, phones, product names)
must appear in what the model was given (system prompt, customer messages, KB, policies) or in the reference.

Extraction runs in a fixed order and masks what it took, so the digits of a phone number or a URL are not read again
as an order number. Each claim is compared in a normalised form: digits only for numbers and phones, the amount for
money, (month, day) for dates, lower case without the scheme for URLs and emails, lower case for names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
_MONTH_NAME = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
               r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")

_PLACEHOLDER = re.compile(r"<[A-Z][A-Z_]*_\d+>")
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>()\"']+|\b[\w-]+(?:\.[\w-]+)*\.(?:example|com|org|net|io)/[^\s<>()\"']*")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_PHONE = re.compile(r"(?:\+?1[\s.-]?)?\(?\b\d{3}\)?[\s.-]?\d{3}[\s.-]\d{4}\b")
_MONEY = re.compile(r"(?:\$|usd\s?)\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d\d))?\b|\b(\d+(?:\.\d\d)?)\s?(?:dollars|usd)\b",
                    re.IGNORECASE)
_DATE = re.compile(
    rf"\b(?:(?P<y1>\d{{4}})-(?P<m1>\d{{1,2}})-(?P<d1>\d{{1,2}})"
    rf"|(?P<m2>\d{{1,2}})/(?P<d2>\d{{1,2}})(?:/\d{{2,4}})?"
    rf"|(?P<mn3>{_MONTH_NAME})\.?\s+(?P<d3>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
    rf"|(?P<d4>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mn4>{_MONTH_NAME})(?:,?\s+\d{{4}})?)\b",
    re.IGNORECASE)
_ORDER = re.compile(r"(?:\b[A-Z]{2,3}-)?#?\b\d{4,}\b")
CAPITALISED = re.compile(r"[A-Z][\w'’-]*")
_NAME_RUN = re.compile(r"[A-Z][\w'’-]*(?:[ \t]+(?:[A-Z][\w'’-]*|\d+))+")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;>\n]|\n\s*[-*\d.]+)\s*$")
_LABEL_RUN = re.compile(r"[A-Z][\w'’-]*(?:[ \t]+[A-Z][\w'’-]*)*")
_POSSESSIVE = re.compile(r"['’]s$")
_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")
# Capitalised words that start phrases without naming a product: a run is cut before them.
NOT_NAMES = frozenset({"I", "I'm", "I'll", "I've", "I'd", "The", "A", "An", "If", "We", "You", "Your", "Our", "It",
                       "This", "That", "Hi", "Hello", "Hey", "Dear", "Thanks", "Thank", "Please", "Happy", "Best",
                       # a title goes with a name ("Mr. <NAME_1>"), it is none itself
                       "Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Sir", "Madam"})


@dataclass(frozen=True)
class Claim:
    """One concrete thing a reply states: its kind, the text as written and its normalised form."""

    kind: str
    text: str
    key: str


def extract_claims(text: str) -> list[Claim]:
    """Every placeholder, URL, email, phone, amount, date, order number and product name in the text."""
    claims: list[Claim] = []
    masked = text
    for kind, pattern, normalise in _EXTRACTORS:
        for match in pattern.finditer(masked):
            key = normalise(match)
            if key:
                claims.append(Claim(kind, match.group(0).strip(), key))
        masked = pattern.sub(lambda m: " " * len(m.group(0)), masked)
    claims.extend(_product_names(masked))
    return claims


class Sources:
    """What a reply may draw on, indexed by the normalised keys of its claims."""

    def __init__(self, texts: list[str]) -> None:
        joined = "\n".join(t for t in texts if t)
        self.keys = {(c.kind, c.key) for c in extract_claims(joined)}
        self.lowered = _SPACE.sub(" ", joined.lower())
        self.digits = set(_DIGITS.findall(joined))

    def grounds(self, claim: Claim) -> bool:
        """Whether the claim appears in the sources."""
        if (claim.kind, claim.key) in self.keys:
            return True
        if claim.kind in ("url", "email", "product", "placeholder"):
            return claim.key in self.lowered
        if claim.kind == "order":
            return claim.key in self.digits
        if claim.kind == "phone":
            return any(claim.key == k for kind, k in self.keys if kind == "phone")
        return False


def hallucinations(reply: str, sources: Sources) -> list[Claim]:
    """The claims of the reply that none of the sources carries (each distinct claim once)."""
    seen: set[tuple[str, str]] = set()
    out = []
    for claim in extract_claims(reply):
        if (claim.kind, claim.key) in seen or sources.grounds(claim):
            continue
        seen.add((claim.kind, claim.key))
        out.append(claim)
    return out


_QUOTED = re.compile(r"\"[^\"\n]{1,40}\"|“[^”\n]{1,40}”|‘[^’\n]{1,40}’|(?<!\w)'[A-Z][^'\n]{0,39}'(?!\w)")


def quoted_labels(text: str) -> list[range]:
    """Where `text` has a short quoted label: "Contact Us", “Order History”, 'Support' — the name of a page,
    section or button the reply points to, not a product it claims (an apostrophe inside a word opens none)."""
    return [range(m.start() + 1, m.end()) for m in _QUOTED.finditer(text)]


# What names a place in a website or app: "the Order History section", "an option to Switch Article", "click
# Cancel Order" — a label the reply points to, not a product or feature it claims.
_UI_NOUN = r"(?:section|tab|page|button|option|menu|link|settings|area|screen|icon|panel|form|field|portal)s?\b"
_LABEL_AFTER = re.compile(rf"\s+(?:{_UI_NOUN}|(?:or|and|/)\s+(?:[A-Z][\w'’-]*\s+)+{_UI_NOUN})")
_LABEL_BEFORE = re.compile(r"(?:\b(?:option|button|link|tab)s? (?:to|called|labell?ed|named|for)|\b(?:click|tap|press|"
                           r"select)(?: on)?(?: the)?)\s+$", re.IGNORECASE)


# The words shop interfaces are labelled with. A run with any other word ("the Northpeak Returns page", "the Lumen
# 400 page") may be a name the reply made up, and stays one.
INTERFACE_WORDS = frozenset({
    "account", "accounts", "add", "address", "addresses", "all", "article", "articles", "billing", "book", "buy",
    "cancel", "cancellation", "cart", "catalog", "change", "chat", "checkout", "code", "codes", "contact", "create",
    "customer", "delete", "delivery", "details", "download", "edit", "email", "faq", "feedback", "fees", "forgot",
    "help", "history", "home", "information", "invoice", "invoices", "issue", "issues", "item", "items", "key",
    "live", "log", "login", "manage", "methods", "missing", "modify", "my", "new", "newsletter", "notifications",
    "now", "options", "order", "orders", "password", "payment", "payments", "pin", "place", "policy", "preferences",
    "product", "products", "profile", "purchase", "purchases", "rebate", "recover", "recovery", "refund", "refunds",
    "remove", "report", "request", "requests", "reset", "return", "returns", "retrieve", "search", "secondary",
    "security", "settings", "shipment", "shipping", "shopping", "sign", "status", "submit", "subscription",
    "subscriptions", "support", "swap", "switch", "termination", "track", "tracking", "update", "us", "view",
    "wishlist"
})


def interface_labels(text: str) -> list[range]:
    """Where `text` names a page, section, button or option: a short quoted label ("Contact Us", 'Support') or a
    run of interface words that the words around it mark as one ("the Order History or Track My Order section",
    "an option to Switch Article")."""
    labels = quoted_labels(text)
    for match in _LABEL_RUN.finditer(text):
        if not all(w.lower().strip("'’-") in INTERFACE_WORDS for w in match.group(0).split()):
            continue
        before = text[max(0, match.start() - 30):match.start()]
        if _LABEL_AFTER.match(text, match.end()) or _LABEL_BEFORE.search(before):
            labels.append(range(match.start(), match.end()))
    return labels


def without_possessive(name: str) -> str:
    """The name without a trailing possessive: "Bitext Shop's website" names the shop."""
    return _POSSESSIVE.sub("", name)


def _product_names(text: str) -> list[Claim]:
    # Conservative on purpose: runs of two or more capitalised words (or a word and a model number), not at the start
    # of a sentence or line, minus leading pronouns and articles, nor an interface label. "Talus Hiking Boots",
    # "Lumen 400", "Apple Pay".
    out, labels = [], interface_labels(text)
    for match in _NAME_RUN.finditer(text):
        if any(match.start() in label for label in labels):
            continue
        words = match.group(0).split()
        if _SENTENCE_START.search(text[: match.start()]):
            words = words[1:]
        while words and (words[0] in NOT_NAMES or not CAPITALISED.fullmatch(words[0])):
            words = words[1:]
        if len(words) >= 2:
            name = without_possessive(" ".join(words)).rstrip("'’-")
            out.append(Claim("product", name, name.lower()))
    return out


def _placeholder(match: re.Match[str]) -> str:
    return match.group(0).lower()


def _url(match: re.Match[str]) -> str:
    url = match.group(0).lower().rstrip(".,;:!?")
    return re.sub(r"^(?:https?://)?(?:www\.)?", "", url).rstrip("/")


def _email(match: re.Match[str]) -> str:
    return match.group(0).lower()


def _phone(match: re.Match[str]) -> str:
    return "".join(_DIGITS.findall(match.group(0)))[-10:]


def _money(match: re.Match[str]) -> str:
    whole, cents, spelled = match.group(1), match.group(2), match.group(3)
    amount = float(spelled) if spelled else float(whole.replace(",", "") + (f".{cents}" if cents else ""))
    return f"{amount:.2f}"


def _date(match: re.Match[str]) -> str:
    g = match.groupdict()
    month_name = g["mn3"] or g["mn4"]
    month = _MONTHS.get(month_name[:3].lower(), 0) if month_name else int(g["m1"] or g["m2"])
    day = int(g["d1"] or g["d2"] or g["d3"] or g["d4"])
    return f"{month:02d}-{day:02d}" if 1 <= month <= 12 and 1 <= day <= 31 else ""


def _order(match: re.Match[str]) -> str:
    return "".join(_DIGITS.findall(match.group(0)))


_EXTRACTORS = (
    ("placeholder", _PLACEHOLDER, _placeholder),
    ("url", _URL, _url),
    ("email", _EMAIL, _email),
    ("phone", _PHONE, _phone),
    ("money", _MONEY, _money),
    ("date", _DATE, _date),
    ("order", _ORDER, _order),
)
