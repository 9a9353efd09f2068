"""Garbled and truncated payloads for every importer: none crashes, and every record is accounted for."""

from __future__ import annotations

import json
import os
import random
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tunedesk.ingest.importers import get_importer
from tunedesk.records import Article, Rejected, Ticket

FIXTURES = Path(__file__).parent / "fixtures"
# (importer, seed file, how records are delimited)
SEEDS = [
    ("zendesk", "api/zendesk/tickets.jsonl", "lines"),
    ("freshdesk", "api/freshdesk/ticket_7.json", "document"),
    ("intercom", "api/intercom/conversation_9001.json", "document"),
    ("csv", "files/support.csv", "document"),
    ("jsonl", "files/chat.jsonl", "lines"),
    ("email", "files/mail/01-question.eml", "document"),
    ("email", "files/inbox.mbox", "document"),
    ("kb", "files/kb/returns.md", "document"),
    ("kb", "files/solution_articles.json", "document"),
]
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
# The default suite runs a fixed, fast sample; TUNEDESK_FUZZ_EXAMPLES=5000 runs a long random campaign.
_LONG = int(os.environ.get("TUNEDESK_FUZZ_EXAMPLES", "0"))
FUZZ = settings(max_examples=_LONG or 40, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                derandomize=not _LONG, database=None)


def byte_mutation(data: bytes, rng: random.Random) -> bytes:
    """Truncate, cut, insert garbage or invalid UTF-8, or duplicate a line."""
    if not data:
        return b"\xff"
    i = rng.randrange(len(data))
    choice = rng.randrange(5)
    if choice == 0:
        return data[:i]
    if choice == 1:
        return data[:i] + data[i + rng.randint(1, 40) :]
    if choice == 2:
        return data[:i] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 8))) + data[i:]
    if choice == 3:
        return data[:i] + b"\xc3\x28\xff\xfe" + data[i:]
    lines = data.split(b"\n")
    j = rng.randrange(len(lines))
    return b"\n".join([*lines[: j + 1], lines[j], *lines[j + 1 :]])


def json_mutation(document: Any, value: Any, rng: random.Random) -> Any:
    """Replace one node of a JSON document (chosen at random) with an arbitrary JSON value."""
    if not isinstance(document, (dict, list)) or not document or rng.random() < 0.2:
        return value
    keys = list(document) if isinstance(document, dict) else list(range(len(document)))
    key = rng.choice(keys)
    document[key] = json_mutation(document[key], value, rng)
    return document


def mutate(seed_bytes: bytes, delimiter: str, value: Any, rng: random.Random) -> bytes:
    """A garbled variant: JSON-level for JSON seeds half of the time, byte-level otherwise."""
    if rng.random() < 0.5:
        try:
            if delimiter == "lines":
                lines = [json.loads(x) for x in seed_bytes.decode().splitlines() if x.strip()]
                j = rng.randrange(len(lines))
                lines[j] = json_mutation(lines[j], value, rng)
                return "\n".join(json.dumps(x) for x in lines).encode() + b"\n"
            return json.dumps(json_mutation(json.loads(seed_bytes), value, rng)).encode()
        except (ValueError, UnicodeDecodeError):
            pass
    data = seed_bytes
    for _ in range(rng.randint(1, 3)):
        data = byte_mutation(data, rng)
    return data


def read_all(importer_name: str, path: Path) -> list[Any]:
    return list(get_importer(importer_name)().read_files([path]))


@FUZZ
@given(seed=st.sampled_from(SEEDS), value=JSON_VALUES, rng=st.randoms(use_true_random=False))
def test_no_importer_crashes_and_every_record_is_accounted_for(seed: tuple[str, str, str], value: Any,
                                                                 rng: random.Random) -> None:
    name, relative, delimiter = seed
    source = FIXTURES / relative
    garbled = mutate(source.read_bytes(), delimiter, value, rng)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / source.name
        path.write_bytes(garbled)
        outcomes = read_all(name, path)
    assert all(isinstance(o, (Ticket, Article, Rejected)) for o in outcomes)
    for o in outcomes:
        if isinstance(o, Rejected):
            assert o.reason and o.locator and o.source_file.endswith(source.name)
    if delimiter == "lines":
        records = [line for line in garbled.split(b"\n") if line.strip()]
        if records:
            assert len(outcomes) == len(records), (len(outcomes), len(records))
        else:  # nothing but blank lines: at most one Rejected for the empty file
            assert len(outcomes) <= 1 and all(isinstance(o, Rejected) and o.locator == "file" for o in outcomes)
    elif not outcomes:
        assert holds_no_records(garbled, name), "a file with content must yield an outcome (a Rejected for it)"


def holds_no_records(data: bytes, importer: str) -> bool:
    """True for JSON with no object below the top level ([], {}, {"tickets": []}), or a header-only CSV."""
    if importer == "csv":
        return len([line for line in data.splitlines() if line.strip()]) <= 1
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return False

    def objects(node: Any) -> int:
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else []
        return sum(isinstance(c, dict) + objects(c) for c in children)

    return objects(document) == 0


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(value=JSON_VALUES, rng=st.randoms(use_true_random=False))
def test_ingest_stage_accounting_on_garbled_exports(value: Any, rng: random.Random) -> None:
    from tunedesk.ingest import stage as ingest
    from tunedesk.scaffold import init_workspace
    from tunedesk.workspace import Workspace

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        init_workspace(root)
        export = root / "export.jsonl"
        export.write_bytes(mutate((FIXTURES / "api/zendesk/tickets.jsonl").read_bytes(), "lines", value, rng))
        shutil.copy(FIXTURES / "api/zendesk/users.json", root / "users.json")
        ws = Workspace.open(root)
        summary = ingest.run(ws, [export, root / "users.json"], "zendesk").as_dict()
        stored = summary["tickets"]["new"] + summary["tickets"]["updated"] + summary["tickets"]["unchanged"]
        assert summary["in"] == stored + summary["articles"]["new"] + summary["quarantined"]
        assert ws.store.count("tickets") == summary["tickets"]["new"]  # a repeated id updates, never duplicates
        assert ws.store.count("quarantine") == summary["quarantined"]
