"""Person names in free text, in any case: after words that introduce a person ("my husband …", "signed for by …",
"name's …", "it's …", "I'm …"), before "from your team", on a sign-off's last line, and — with a multilingual list
of given names — capitalised names anywhere ("Tomasz Wisniewski placed the order").

The given names and surnames come from Faker's person providers (many locales, loaded once); the common English
words that stop a name come from Faker's English word list plus the words below. A name is one to three words of
letters, with inner hyphens or apostrophes ("Anna-Lena", "O'Brien"). Neither finder scans the whole text with a
pattern: both look up their cue words or listed names in the text's word set (`pii.classes.word_set`) first.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from functools import lru_cache

from tunedesk.pii.classes import LowerPattern, cue_words, lowered, word_set, word_set_of
from tunedesk.pii.numbers import Span
from tunedesk.pii.patterns import AMBIGUOUS_NAMES, NOT_NAMES

_LOCALES = ("en_US", "en_GB", "en_IE", "en_IN", "en_NZ", "de_DE", "fr_FR", "es_ES", "es_MX", "it_IT", "pt_BR",
            "pt_PT", "nl_NL", "pl_PL", "cs_CZ", "sk_SK", "hu_HU", "ro_RO", "ru_RU", "uk_UA", "bg_BG", "hr_HR",
            "sl_SI", "sv_SE", "no_NO", "da_DK", "fi_FI", "et_EE", "lv_LV", "lt_LT", "el_GR", "tr_TR", "yo_NG",
            "tw_GH", "zu_ZA", "sw", "hi_IN", "ta_IN", "ne_NP", "zh_CN", "zh_TW", "ja_JP", "ko_KR", "vi_VN", "th_TH",
            "id_ID", "fil_PH", "ar_AA", "fa_IR", "he_IL", "ga_IE", "ka_GE", "hy_AM", "az_AZ")
_MORE_COMMON = """
    ordered placed bought paid sent said says told called phoned emailed asked wanted needed tried used uses using
    got get gets took takes collected received returned signed picked left came comes come arrived delivered
    will would could should can may might must shall did does done made make makes went goes going gone here there
    again today still also just only now then back up down out over off away yes no hi hello thanks thank please
    sorry ok okay fine well sure really very much more most less lot lots bit little all both each either neither
    none nothing something anything everything someone anyone everyone somebody nobody who whom whose which what
    not never always often sometimes usually maybe perhaps instead though although because since until while
    once twice twelve about above across after against along among around before behind below beneath beside
    between beyond during except inside into near outside through toward towards under underneath upon within
    without writing following calling checking asking waiting hoping trying looking wondering contacting
    replying emailing messaging customer member manager owner holder order account card parcel package box item
    items product products boots boot jacket tent pack bag shoes shoe size colour color refund return exchange
    delivery courier driver tracking address email phone number reference warehouse store shop team support
    service department desk office branch depot gift present birthday christmas weekend monday tuesday wednesday
    thursday friday saturday sunday january february march april june july august september october november
    december trail hiking camp camping fleece sock socks chair pole poles shell vest parka runner peak base ridge
    summit alpine pro plus max mini lite ultra new old big small large medium extra edit fee fees link links week
    weeks brand brands valid date dates bone bones select click tap open close submit save cancel earlier later
    america americas africa asia europe australia canada mexico brazil india china japan england scotland wales
    ireland france germany spain italy portugal netherlands london paris berlin madrid rome sydney toronto
    jan feb mar apr jun jul aug sep sept oct nov dec burgundy sand olive navy charcoal slate sage teal coral ivory
    cream khaki tan moss graphite indigo amber crimson scarlet maroon beige taupe mocha espresso cobalt orange
    red blue yellow purple pink lime mint
    correct incorrect wrong invalid locked blocked disabled expired broken working missing pending
"""


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """Casefolded words that are never a name on their own: English function and frequent words."""
    from faker.providers.lorem.en_US import Provider as EnglishWords

    words = {w.casefold() for w in EnglishWords.word_list} | set(_MORE_COMMON.split())
    return frozenset(words | NOT_NAMES | {w.casefold() for w in AMBIGUOUS_NAMES})


@lru_cache(maxsize=1)
def given_names() -> frozenset[str]:
    """Casefolded given names of many languages (Faker's person providers), less the common English words."""
    return _faker_names(("first_names", "first_names_male", "first_names_female", "first_names_nonbinary"))


@lru_cache(maxsize=1)
def surnames() -> frozenset[str]:
    """Casefolded surnames of many languages (Faker's person providers), less the common English words; each also
    without its accents ('zielinski' for 'zieliński')."""
    return _faker_names(("last_names",))


@lru_cache(maxsize=1)
def listed_names() -> frozenset[str]:
    """Given names and surnames together: the words a name found without a cue contains."""
    return given_names() | surnames()


def _faker_names(attributes: tuple[str, ...]) -> frozenset[str]:
    names: set[str] = set()
    for locale in _LOCALES:
        try:
            provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        except (ImportError, AttributeError):
            continue
        for attr in attributes:
            found = getattr(provider, attr, None) or ()
            names.update(n.casefold() for n in found if isinstance(n, str) and n.replace("-", "").isalpha())
    names |= {_folded(n) for n in names}
    return frozenset(n for n in names if len(n) >= 2) - common_words()


def _folded(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c)).replace("ł", "l")


_NAME_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’\-](?=[^\W\d_]))*")
_GAP = re.compile(r"[ \t]+")
_RELATIONS = (
    r"husband|wife|partner|son|daughter|mother|mum|mom|father|dad|brother|sister|friend|neighbou?r|colleague|boss|"
    r"girlfriend|boyfriend|fianc[ée]e?|grandmother|grandfather|grandma|grandpa|granny|aunt|uncle|cousin|flatmate|"
    r"roommate|housemate|niece|nephew|assistant|stepson|stepdaughter|child|kid|spouse|landlord|landlady|carer"
)
_STRONG_CUE = LowerPattern(
    rf"(?:(?:my|our)[ \t]+(?:{_RELATIONS})\b(?:[ \t]+(?:is|was|called|named))?,?"
    r"|signed[ \t]+for[ \t]+by|received[ \t]+by|collected[ \t]+by|picked[ \t]+up[ \t]+by|accepted[ \t]+by"
    r"|handed[ \t]+(?:it[ \t]+|the[ \t]+(?:parcel|package|box)[ \t]+)?(?:over[ \t]+)?to|left[ \t]+(?:it[ \t]+)?with"
    r"|in[ \t]+the[ \t]+name[ \t]+of|under[ \t]+the[ \t]+name(?:[ \t]+of)?"
    r"|(?:account|order|booking|parcel|package)[ \t]+(?:is[ \t]+|was[ \t]+)?(?:under|addressed[ \t]+to)"
    r"|account[ \t]+(?:holder|name)(?:[ \t]+is)?|name[ \t]+on[ \t]+(?:the[ \t]+)?(?:account|card|order|parcel)"
    r"(?:[ \t]+is)?|card[ \t]?holder(?:[ \t]+name)?|name(?:'s|’s|[ \t]+is)|names?[ \t]*:|recipient[ \t]*:"
    r"|attn\.?|attention[ \t]+of|c/o|(?:spoke|spoken|talked|chatted|dealt|dealing|speaking|talking)[ \t]+(?:to|with)"
    r"|(?:thanks|thank[ \t]+you|regards|cheers|wishes|sincerely|best|take[ \t]+care|yours)[,.!]?[ \t]*\n)"
    r"[ \t]*:?[ \t]*"
)
_INTRO_CUE = LowerPattern(
    r"(?:it'?s|it’s|it[ \t]+is|i'?m|i’m|i[ \t]+am|this[ \t]+is|here[ \t]+is|hi|hello|hey|dear|thanks|"
    r"cheers|(?:deliver|ship|send|post)(?:ed)?[ \t]+(?:it[ \t]+|them[ \t]+)?to)[,.!]?[ \t]+"
)
_STRONG_CUES = word_set_of(
    """my our signed received collected picked accepted handed left in under account order booking parcel
    package name names card cardholder recipient attn attention c spoke spoken talked chatted dealt
    dealing speaking talking thanks thank regards cheers wishes sincerely best take yours"""
)
_INTRO_CUES = word_set_of(
    """it i im this here hi hello hey dear thanks cheers deliver delivered ship shipped send post posted"""
)
_TEAM_CUES = frozenset({"from", "in", "at"})
_ALL_CUES = _STRONG_CUES | _INTRO_CUES | _TEAM_CUES
_FOLLOWED_BY = {"i": ("'m", "’m", " am"), "it": ("'s", "’s", " is"), "this": (" is",), "here": (" is",),
                "at": (" your", " the"), "from": (" your", " the"), "in": (" your", " the")}
"""What must follow the most frequent cue words for any of their patterns to match ("in the name of", "in your
returns team")."""
_TEAM_AFTER = LowerPattern(
    r"(?:from|in|at)[ \t]+(?:your|the)[ \t]+(?:[^\W\d_]+[ \t]+){0,2}?(?:team|department|dept|"
    r"desk|store|shop|warehouse|office|support|service|branch|depot|call[ \t]+cent(?:re|er)|helpline)\b"
)


def find_cued_names(text: str) -> list[Span]:
    """Names after words that introduce a person, in any case, and capitalised ones before 'from your team'."""
    spans = []
    low = lowered(text) or text.lower()
    for pos, word in cue_words(text, _ALL_CUES):
        follows = _FOLLOWED_BY.get(word)
        if follows is not None and not low.startswith(follows, pos + len(word)):
            continue  # the common cue words: a quick look at what follows before any pattern runs
        if word in _STRONG_CUES and (m := _STRONG_CUE.match(text, pos)):
            span = name_at(text, m.end(), strict=False)
        elif word in _INTRO_CUES and (m := _INTRO_CUE.match(text, pos)):
            span = name_at(text, m.end(), strict=True)
        elif word in _TEAM_CUES and _TEAM_AFTER.match(text, pos):
            span = _name_before(text, pos)
        else:
            continue
        if span is not None:
            spans.append(span)
    return spans


def find_listed_names(text: str) -> list[Span]:
    """Names without a cue: a listed given name, capitalised ('Marcus said', 'Tomasz Wisniewski') or lower-case
    before a listed surname ('tomasz wisniewski'), and a capitalised word before a listed surname ('Anil Chen').
    A given name and a capitalised word followed by a third is taken for a product ('Sierra Trek Poles')."""
    given, family, common = given_names(), surnames(), common_words()
    spans: list[Span] = []
    resume = 0
    for start in _candidate_starts(text, given, family):
        m = _WORD.match(text, start)
        if m is None or start < resume:
            continue
        word = m.group()
        if word.casefold() in common or len(word) < 2 or word.isupper():
            continue  # an all-capitals word is an acronym (IBAN, NSW), not a name
        if not (word[0].isupper() or _in(word, given)):
            continue  # in lower case only a listed given name starts a name
        if _DETERMINER_BEFORE.search(text, max(0, start - 8), start):
            continue  # 'the Aurora Headlamp', 'your Jordan boots': a thing, not a person
        end = _listed_name_end(text, m, given, family, common)
        if end:
            spans.append((start, end, text[start:end].casefold()))
            resume = end
    return spans


def _candidate_starts(text: str, given: frozenset[str], family: frozenset[str]) -> list[int]:
    """Where a listed name can start: each listed given name, and the word before each listed surname. The words
    of the text are looked up as a set first (one pass in C), so a text with no listed word costs little."""
    low = lowered(text) or text.lower()
    words = word_set(text)
    hits = words & listed_names()
    if not text.isascii():
        hits |= {w for w in words if not w.isascii() and _folded(w) in listed_names()}
    starts: set[int] = set()
    for word in hits:
        pos = low.find(word)
        while pos != -1:
            end = pos + len(word)
            if not (low[pos - 1 : pos].isalpha() or low[end : end + 1].isalpha()):
                starts.add(_hyphen_start(low, pos))
                if _in(word, family) and (before := _WORD_BEFORE.search(text, max(0, pos - 40), pos)):
                    starts.add(before.start(1))
            pos = low.find(word, end)
    return sorted(starts)


def _hyphen_start(low: str, pos: int) -> int:
    """The start of a hyphenated word whose part begins at `pos` ('anna' in 'anna-lena' starts it; 'lena' not)."""
    while pos > 1 and low[pos - 1] in "-'’" and low[pos - 2].isalpha():
        pos -= 2
        while pos > 0 and low[pos - 1].isalpha():
            pos -= 1
    return pos




def _listed_name_end(text: str, m: re.Match[str], given: frozenset[str], family: frozenset[str],
                     common: frozenset[str]) -> int:
    """Where the name starting with this word ends (0: not a name)."""
    word, upper = m.group(), m.group()[0].isupper()
    nxt = _NEXT_WORD.match(text, m.end())
    second = nxt.group(1) if nxt else ""
    paired = bool(second) and second[0].isupper() == upper and second.casefold() not in common
    if paired and nxt and _in(second, family):
        return nxt.end(1) if upper or _in(word, given) else 0
    if not (upper and _in(word, given)):
        return 0
    if not (nxt and second[0].isupper()):
        return m.end()
    if not paired or _NEXT_CAPITAL.match(text, nxt.end(1)):
        return 0  # 'Jordan Trail Boots', 'Sierra Trek Poles': a product line
    return nxt.end(1)


def _in(word: str, names: frozenset[str]) -> bool:
    key = word.casefold()
    return (key in names or ("-" in key and key.split("-")[0] in names)
            or (not key.isascii() and _folded(key) in names))


_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
_DETERMINER_BEFORE = LowerPattern(r"(?<!\w)(?:the|a|an|this|that|these|those|your|our|their|its)[ \t]+\Z")
_NEXT_CAPITAL = re.compile(r"[ \t]+[^\W\d_a-zß-ÿ]")
_NEXT_WORD = re.compile(r"[ \t]+([^\W\d_](?:[^\W\d_]|['’\-](?=[^\W\d_]))*)(?![\w'’-])")


def name_at(text: str, pos: int, strict: bool) -> Span | None:
    """The name of one to three words starting at `pos`, or None. `strict`: a listed given name first or a listed
    surname last, or (capitalised) two words; a capitalised word right after a single given name rules it out (a
    product: 'Jordan Trail Boots')."""
    words: list[str] = []
    common, cursor, end = common_words(), pos, pos
    if pos and (text[pos - 1].isalnum() or text[pos - 1] in "'’-"):
        return None  # inside a word: 'holders' after 'account holder'
    while len(words) < 3:
        m = _NAME_WORD.match(text, cursor)
        if m is None or not_a_name(m.group(), common) or (words and m.group()[0].isupper() != words[0][0].isupper()):
            break
        words.append(m.group())
        end = m.end()
        gap = _GAP.match(text, end)
        if gap is None:
            break
        cursor = gap.end()
    if not words or (strict and not _looks_named(text, words, end)):
        return None
    return (pos, end, " ".join(words).casefold())


def not_a_name(word: str, common: frozenset[str]) -> bool:
    """A common word or an inflection of one ('needs', 'ordered'), a contraction ("hasn't"), an acronym ('ATMs'),
    or a lower-case word shaped like a verb or adverb ('making', 'quickly')."""
    key = word.casefold()
    if key in common or key.endswith(_CONTRACTIONS) or (len(word) > 1 and word[1].isupper()):
        return True
    if "-" in key:  # 'mei-ling', 'anna-lena': English words with these endings are seldom hyphenated
        return False
    return is_inflected(key, common) or (word.islower() and len(word) > 5 and key.endswith(_WORD_ENDINGS))


_WORD_ENDINGS = ("ing", "ly", "ible", "able", "ous", "ive", "ful", "less", "ment", "tion", "ness", "ated", "ited",
                 "ised", "ized", "sted")
"""Endings of English adjectives, adverbs, nouns and past tenses that given names (in lower case) do not have."""
_CONTRACTIONS = ("n't", "n’t", "'ll", "'re", "'ve", "'d")


def is_inflected(key: str, common: frozenset[str]) -> bool:
    """Whether a lower-case word is a common word with -s, -es, -ed, -d, -er or -ing added."""
    for suffix, restore in (("s", ""), ("es", ""), ("ed", ""), ("d", ""), ("ing", ""), ("ing", "e"), ("er", "")):
        if key.endswith(suffix) and len(key) > len(suffix) + 2 and key[: -len(suffix)] + restore in common:
            return True
    return False


def _looks_named(text: str, words: list[str], end: int) -> bool:
    # A listed given name first, or a listed surname last ('hyun-woo park'); lower case needs one of them.
    listed = _in(words[0], given_names()) or (len(words) > 1 and _in(words[-1], surnames()))
    if not words[0][0].isupper():
        return listed
    after = _NAME_WORD.match(text, end + 1) if text[end : end + 1] == " " else None
    if len(words) == 1 and after is not None and after.group()[0].isupper():
        return False  # a given name before a capitalised common word: 'Jordan Trail Boots', 'Harper Fleece'
    return listed or len(words) >= 2


def _name_before(text: str, end: int) -> Span | None:
    """One or two name words ending at `end` ('Marcus' in 'Marcus from your team'), in the same case."""
    start, common = end, common_words()
    for _ in range(2):
        m = _WORD_BEFORE.search(text, max(0, start - 40), start)
        if m is None or m.group(1).casefold() in common or (start < end and m.group(1)[0].isupper() !=
                                                            text[start].isupper()):
            break
        start = m.start(1)
    found = text[start:end].split()
    if not found or (found[0].islower() and not (_in(found[0], given_names()) or _in(found[-1], surnames()))):
        return None  # lower case: a listed name ('dave from your team', 'anil becker …'), not 'found in the support'
    stop = end - (len(text[start:end]) - len(text[start:end].rstrip()))
    return (start, stop, text[start:stop].casefold())


_WORD_BEFORE = re.compile(r"(?<![\w'’-])([^\W\d_](?:[^\W\d_]|['’\-](?=[^\W\d_]))*)[ \t]*\Z")
