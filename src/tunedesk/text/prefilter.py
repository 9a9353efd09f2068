"""Literal prefilters for regular expressions: the strings one of which every match must contain.

Python's `re` tries an alternation such as `\\b(?:refund|money back)\\b.{0,80}…` at every position of the text; most
support text contains none of the literals the pattern needs, and a C-level substring or set test says so several
times faster. `required_literals` reads them off the parsed pattern (like RE2's prefilter); `WordGate` turns the
literals of several patterns into one test over a text's words, so that a text is searched only with the patterns
it can match.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Sequence
from functools import reduce
from itertools import repeat
from operator import or_
from types import ModuleType
from typing import Any

try:  # the parser behind re.compile; private, so a Python without it simply gets no prefilter
    _sre_parse: ModuleType | None = importlib.import_module("re._parser")
    _c = importlib.import_module("re._constants")
except ImportError:  # pragma: no cover
    _sre_parse = None

_MAX_EXACT = 64  # most strings tracked for a sub-pattern that matches a finite set of strings
_MIN_LITERAL = 2  # a requirement whose shortest string is shorter prunes too little to be worth testing
WORD_RUN = re.compile(r"[a-z']+")
# Every byte but a-z and ' becomes a space: in UTF-8 every other character, ASCII or not, is such bytes only.
_RUN_BYTES = bytes(b if 97 <= b <= 122 or b == 39 else 32 for b in range(256))
_RUN_BYTES_UPPER = bytes(b + 32 if 65 <= b <= 90 else c for b, c in enumerate(_RUN_BYTES))  # A-Z → a-z too
_UNKNOWN = -1  # the flags of a word not seen yet: all bits set, so that the OR of a text's flags shows it

_Info = tuple[frozenset[str] | None, frozenset[str] | None]  # (every string it can match, strings one of which
#                                                                every match contains); None where unknown
_Item = tuple[object, Any]  # an item of a parsed pattern: (opcode, argument), the argument's type set by the opcode
#                             (a code point for LITERAL, (min, max, items) for a repeat, …): no static type says that


def word_runs(text: str) -> list[bytes]:
    """The maximal runs of [a-z'] in `text.lower()`, as ASCII bytes: `WORD_RUN.findall(text.lower())`, encoded.

    Encoding, translating and splitting bytes is C-level and several times faster than the regular expression. On
    ASCII text the translation lower-cases A-Z itself; other text is lower-cased first, since a few characters
    lower-case to ASCII letters (the Kelvin sign to k).
    """
    if text.isascii():
        return text.encode().translate(_RUN_BYTES_UPPER).split()
    return text.lower().encode("utf-8", "surrogatepass").translate(_RUN_BYTES).split()


def required_literals(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Strings one of which every match of `pattern` contains (case-sensitively), or None when none can be named."""
    if _sre_parse is None or pattern.flags & re.IGNORECASE:
        return None
    try:
        parsed = _sre_parse.parse(pattern.pattern, pattern.flags)
    except Exception:
        return None
    if parsed.state.flags & re.IGNORECASE:
        return None
    exact, required = _sequence(list(parsed))
    found = _better(required, _usable(exact))
    return _minimal(found) if found is not None and min(map(len, found)) >= _MIN_LITERAL else None


def _usable(strings: frozenset[str] | None) -> frozenset[str] | None:
    return None if not strings or "" in strings else strings


def _better(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    """The more selective requirement: the longer shortest string, then the fewer strings."""
    if a is None or b is None:
        return a if b is None else b
    return a if (min(map(len, a)), -len(a)) >= (min(map(len, b)), -len(b)) else b


def _minimal(strings: frozenset[str]) -> frozenset[str]:
    """Drop every string that contains another one: the shorter one is present whenever it is."""
    return frozenset(s for s in strings if not any(t != s and t in s for t in strings))


def _sequence(items: Sequence[_Item]) -> _Info:
    """A concatenation: runs of finite sub-patterns multiply into exact strings; the best run or part is required."""
    run: frozenset[str] | None = frozenset({""})
    whole = True
    best: frozenset[str] | None = None
    for op, av in items:
        exact, required = _node(op, av)
        if run is not None and exact is not None and len(run) * len(exact) <= _MAX_EXACT:
            run = frozenset(a + b for a in run for b in exact)
            continue
        whole = False
        best = _better(best, _usable(run))
        best = _better(best, required)
        run = exact
    best = _better(best, _usable(run))
    return (run if whole else None), best


def _alternatives(branches: Iterable[Sequence[_Item]]) -> _Info:
    """One of several sub-patterns: the union of their strings, and of their requirements when each has one."""
    exacts: set[str] | None = set()
    required: set[str] | None = set()
    for branch in branches:
        exact, needs = _sequence(branch)
        exacts = None if exacts is None or exact is None else exacts | exact
        needs = _better(needs, _usable(exact))
        required = None if required is None or needs is None else required | needs
    if exacts is not None and len(exacts) > _MAX_EXACT:
        exacts = None
    return (None if exacts is None else frozenset(exacts)), (None if required is None else frozenset(required))


def _node(op: object, av: Any) -> _Info:  # Any: see _Item
    if op is _c.LITERAL:
        return frozenset({chr(av)}), None
    if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):  # consume nothing
        return frozenset({""}), None
    if op is _c.IN:
        chars = _charset(av)
        return (None if chars is None else frozenset(chars)), None
    if op is _c.BRANCH:
        return _alternatives(av[1])
    if op is _c.SUBPATTERN:
        _group, add_flags, _del_flags, sub = av
        return (None, None) if add_flags & re.IGNORECASE else _sequence(list(sub))
    if op is _c.ATOMIC_GROUP:
        return _sequence(list(av))
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
        return _repeat(av)
    return None, None  # ANY, NOT_LITERAL, categories, back references: no literal known


def _repeat(av: tuple[int, int, Sequence[_Item]]) -> _Info:
    low, high, sub = av
    exact, required = _sequence(list(sub))
    if low == 0:  # optional: it may match the empty string
        return (frozenset({""}) | exact if high == 1 and exact is not None else None), None
    required = _better(required, _usable(exact))
    if low == high and exact is not None and len(exact) ** low <= _MAX_EXACT:
        product = frozenset({""})
        for _ in range(low):
            product = frozenset(a + b for a in product for b in exact)
        return product, required
    return None, required


def _charset(items: Iterable[_Item]) -> set[str] | None:
    chars: set[str] = set()
    for op, av in items:
        if op is _c.LITERAL:
            chars.add(chr(av))
        elif op is _c.RANGE and av[1] - av[0] < 8:
            chars.update(chr(c) for c in range(av[0], av[1] + 1))
        else:  # a negated set, a category (\w, \d) or a wide range
            return None
    return chars


def _telling_runs(literal: str) -> list[bytes]:
    """The literal's [a-z'] runs worth testing: those of 3+ characters ("me", "an" are in most texts), else the
    longest one."""
    runs = [r.encode() for r in WORD_RUN.findall(literal)]
    return [r for r in runs if len(r) >= 3] or sorted(runs, key=len)[-1:]


class WordGate:
    """Which of several patterns a text may match, from its word runs (`word_runs`) alone.

    A required literal that occurs in the lower-cased text puts each of its own [a-z'] runs ("log me out": `log`,
    `out`) inside one of the text's word runs. A pattern may match only when, for one of its literals, every run
    is inside some word of the text; a pattern without such literals is always searched. The gate also marks the
    texts with a word of `marked` (the sentiment bound's negative words), from the same per-word lookup.
    """

    def __init__(self, requirements: Sequence[frozenset[str] | None], marked: frozenset[bytes] = frozenset()) -> None:
        self.always = 0  # patterns searched whatever the words
        self.marked = marked
        self._run_bits: dict[bytes, int] = {}  # each literal run → its flag bit (bit 0 is `marked`)
        self._by_anchor: dict[int, list[tuple[int, int]]] = {}  # a literal's longest run's bit → (all its runs'
        #                                                         bits, the pattern's bit)
        for i, literals in enumerate(requirements):
            runs = None if literals is None else [_telling_runs(s) for s in _minimal(literals)]
            if runs is None or not all(runs):
                self.always |= 1 << i
                continue
            for literal_runs in runs:
                bits = [self._run_bits.setdefault(r, 2 << len(self._run_bits)) for r in literal_runs]
                anchor = self._run_bits[max(literal_runs, key=len)]
                self._by_anchor.setdefault(anchor, []).append((reduce(or_, bits), 1 << i))
        self._anchors = reduce(or_, self._by_anchor, 0)
        # Learning a word: one scan finds, at each position, the longest run starting there; the runs inside it
        # (any shorter one starting at the same position among them) come with it.
        longest_first = sorted(self._run_bits, key=len, reverse=True)
        self._finder = (re.compile(b"(?=(" + b"|".join(map(re.escape, longest_first)) + b"))")
                        if longest_first else None)
        self._with_inner = {r: reduce(or_, (b for inner, b in self._run_bits.items() if inner in r))
                            for r in longest_first}
        self._flags: dict[bytes, int] = {}  # a word seen before → its flags

    def flags(self, words: list[bytes]) -> int:
        """The OR of the words' flags: bit 0 when one is marked, and the bits of the literal runs inside them."""
        found = reduce(or_, map(self._flags.get, words, repeat(_UNKNOWN)), 0)
        return self._learn(words) if found < 0 else found  # < 0: a word not seen before

    def patterns(self, flags: int) -> int:
        """A bit set for every pattern a text may match, given the OR of the `flags` of all its words."""
        found = self.always
        anchors = flags & self._anchors
        while anchors:
            anchor = anchors & -anchors  # lowest set bit
            anchors ^= anchor
            for runs, pattern in self._by_anchor.get(anchor, ()):
                if runs & flags == runs:
                    found |= pattern
        return found

    def _learn(self, words: list[bytes]) -> int:
        """`flags`, learning the words not seen before (without re-reading the table, which another thread may
        clear meanwhile)."""
        if len(self._flags) > 200_000:  # bounded memory on endless vocabularies (ids, codes)
            self._flags.clear()
        found = 0
        for word in words:
            bits = self._flags.get(word)
            if bits is None:
                bits = 1 if word in self.marked else 0
                if self._finder is not None:
                    for match in self._finder.finditer(word):
                        bits |= self._with_inner[match.group(1)]
                self._flags[word] = bits
            found |= bits
        return found
