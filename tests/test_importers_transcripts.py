"""The `transcripts` importer: recorded calls as tickets from WebVTT, SRT and speech-to-text JSON (AssemblyAI,
Deepgram, WhisperX, AWS Transcribe); who the agent is and why; bad calls quarantined; a round trip to training."""

from __future__ import annotations

import json
import random
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tunedesk.errors import ConfigError
from tunedesk.ingest.importers import detect_format, get_importer
from tunedesk.ingest.importers.base import read_head
from tunedesk.ingest.importers.transcripts import TranscriptImporter
from tunedesk.ingest.importers.transcripts_text import srt_cues
from tunedesk.models.base import ModelError
from tunedesk.records import ImportedRecord, Rejected, Role, Ticket

FIXTURES = Path(__file__).parent / "fixtures"
CALLS = FIXTURES / "transcripts"
LANGUAGES = FIXTURES / "transcripts_languages"
GOOD = sorted(p for p in CALLS.glob("*.*") if p.is_file())
FORMATS = {"call-1001.vtt": "webvtt", "call-1002.srt": "srt", "call-1003.assemblyai.json": "assemblyai",
           "call-1004.deepgram.json": "deepgram", "call-1005.whisperx.json": "whisperx",
           "call-1006.aws.json": "aws_transcribe"}


def read(*paths: Path, **options: Any) -> list[ImportedRecord]:
    return list(TranscriptImporter(options).read_files(list(paths)))


def call(name: str, **options: Any) -> Ticket:
    (ticket,) = read(CALLS / name, **options)
    assert isinstance(ticket, Ticket), ticket
    return ticket


def turns(ticket: Ticket) -> list[tuple[Role, str | None, str]]:
    return [(m.role, m.author, m.body) for m in ticket.messages]


# ---------------------------------------------------------------- registry and sniffing


def test_registered_and_every_format_detected() -> None:
    assert get_importer("transcripts") is TranscriptImporter
    assert sorted(p.name for p in GOOD) == sorted(FORMATS)
    assert {p.name: detect_format(p) for p in GOOD} == dict.fromkeys(FORMATS, "transcripts")


def test_sniff_by_content_without_a_telling_suffix(tmp_path: Path) -> None:
    for source in ("call-1001.vtt", "call-1002.srt"):
        target = tmp_path / f"{source}.txt"
        shutil.copy(CALLS / source, target)
        assert TranscriptImporter.sniff(target, read_head(target)), source


def test_sniff_leaves_other_formats_alone() -> None:
    others = [p for p in sorted((FIXTURES / "api").rglob("*")) + sorted((FIXTURES / "files").rglob("*"))
              if p.is_file()]
    others += sorted((FIXTURES / "salesforce").rglob("*.json"))
    assert len(others) > 10 and not [p.name for p in others if TranscriptImporter.sniff(p, read_head(p))]


# ---------------------------------------------------------------- formats


def test_webvtt_voice_tags_merge_one_speakers_cues_and_the_greeting_names_the_agent() -> None:
    ticket = call("call-1001.vtt")
    assert ticket.id == "transcripts:call-1001" and ticket.channel == "phone"
    assert turns(ticket) == [
        (Role.customer, "Dana Reyes", "Hello? Is this the store?"),
        (Role.agent, "Jake Moreno", "Thank you for calling Trailhead Outfitters, this is Jake. How can I help?"),
        (Role.customer, "Dana Reyes", "Hi Jake. My Summit 2 tent leaks at the seams, and I bought it three weeks "
                                      "ago. Can I still return it?"),
        (Role.agent, "Jake Moreno", "Yes, you can. Returns are free within 30 days of delivery & I will email you a "
                                    "prepaid label today."),
    ]
    assert ticket.metadata == {
        "format": "webvtt", "speakers": ["Dana Reyes", "Jake Moreno"], "agent_speakers": ["Jake Moreno"],
        "agent_rule": "greeting",
        "agent_reason": "'Jake Moreno' greets as the agent in turn 2: 'Thank you for calling'",
        "cues": 5, "turns": 4, "duration_s": 19.0}
    assert {(p.name, p.role) for p in ticket.participants} == {("Dana Reyes", Role.customer),
                                                               ("Jake Moreno", Role.agent)}


def test_srt_prefixes_carry_over_to_unlabelled_cues() -> None:
    ticket = call("call-1002.srt")
    assert turns(ticket) == [
        (Role.agent, "Speaker 1", "Trailhead Outfitters support, you've reached Priya."),
        (Role.customer, "Speaker 2", "Hi. Do you ship to Canada, and how long does it take?"),
        (Role.agent, "Speaker 1", "Yes, we ship to Canada. Delivery takes 5 to 8 business days and duties are "
                                  "included at checkout."),
    ]
    assert ticket.participants == []  # generic labels are no names to redact


@pytest.mark.parametrize(("name", "agent", "customer_said"), [
    ("call-1003.assemblyai.json", "B", "Hi, I have a question about my gift card."),
    ("call-1004.deepgram.json", "1", "Good morning, which battery does the Beam headlamp take?"),
    ("call-1005.whisperx.json", "SPEAKER_01", "Hi Sam. Are your stores open on Sunday? I want to pick up an order."),
    ("call-1006.aws.json", "spk_1", "Is the Cascade jacket waterproof?"),
])
def test_speech_to_text_json(name: str, agent: str, customer_said: str) -> None:
    ticket = call(name, agent_speakers=["1", "spk_1"])
    assert ticket.metadata["format"] == FORMATS[name]
    assert ticket.metadata["agent_speakers"] == [agent]
    assert customer_said in [m.body for m in ticket.messages if m.role == Role.customer]
    assert ticket.messages[-1].role == Role.agent


def test_aws_words_are_joined_with_their_punctuation() -> None:
    ticket = call("call-1006.aws.json", agent_speakers=["spk_1"])
    assert turns(ticket) == [(Role.customer, "spk_0", "Is the Cascade jacket waterproof?"),
                             (Role.agent, "spk_1", "Yes, it is fully waterproof.")]
    assert ticket.metadata["agent_rule"] == "option" and ticket.metadata["duration_s"] == 4.0


def test_deepgram_times_are_offsets_from_the_transcription_time() -> None:
    ticket = call("call-1004.deepgram.json", agent_speakers=[1])  # YAML reads `[1]` as a number
    assert str(ticket.created_at) == "2024-05-14 10:00:00+00:00"
    assert [str(m.created_at) for m in ticket.messages] == ["2024-05-14 10:00:00.400000+00:00",
                                                            "2024-05-14 10:00:03.500000+00:00"]


def test_other_shapes_short_clocks_several_voices_words_and_segments(tmp_path: Path) -> None:
    (tmp_path / "short.vtt").write_text(
        "WEBVTT\n\n00:01.000 --> 00:03.500\n<v Agent>Welcome to Trailhead.</v> <v Caller>Hi, is my order out?\n\n"
        "00:04.000 --> 00:06.000\n<v Agent>It shipped on Monday.\n", encoding="utf-8")
    words = [{"word": w, "punctuated_word": p, "start": t, "end": t + 0.4, "speaker": s}
             for w, p, t, s in [("hi", "Hi,", 0.1, 0), ("thanks", "thanks", 0.5, 0), ("for", "for", 0.9, 0),
                                ("calling", "calling.", 1.3, 0), ("where's", "Where's", 2.0, 1),
                                ("my", "my", 2.4, 1), ("tent", "tent?", 2.8, 1)]]
    (tmp_path / "words.json").write_text(json.dumps({"metadata": {"request_id": "r-1"}, "results": {
        "channels": [{"alternatives": [{"transcript": "", "words": words}]}]}}), encoding="utf-8")
    (tmp_path / "segments.json").write_text(json.dumps({"jobName": "j", "results": {"audio_segments": [
        {"transcript": "Thanks for holding.", "start_time": "0.0", "end_time": "1.0", "speaker_label": "spk_0"},
        {"transcript": "No problem.", "start_time": "1.2", "end_time": "2.0", "speaker_label": "spk_1"},
    ]}}), encoding="utf-8")
    found = {t.external_id: t for t in read(*sorted(tmp_path.iterdir())) if isinstance(t, Ticket)}
    assert turns(found["short"]) == [(Role.agent, "Agent", "Welcome to Trailhead."),
                                     (Role.customer, "Caller", "Hi, is my order out?"),
                                     (Role.agent, "Agent", "It shipped on Monday.")]
    assert found["short"].metadata["duration_s"] == 6.0
    assert turns(found["words"]) == [(Role.agent, "0", "Hi, thanks for calling."),
                                     (Role.customer, "1", "Where's my tent?")]
    assert [m.body for m in found["segments"].messages] == ["Thanks for holding.", "No problem."]
    assert found["segments"].metadata["format"] == "aws_transcribe"


def test_microsoft_teams_short_clocks() -> None:
    from tunedesk.ingest.importers.transcripts_text import vtt_cues

    text = ("WEBVTT\n\n0:0:0.0 --> 0:0:2.570\n<v Dana Reyes>Thanks for calling Trailhead.</v>\n\n"
            "0:0:2.9 --> 0:1:4.13\n<v Sam Lee>My stove arrived dented.</v>\n")
    cues = vtt_cues(text)
    assert [(c.speaker, c.start, c.end) for c in cues] == [("Dana Reyes", 0.0, 2.57), ("Sam Lee", 2.9, 64.13)]


# ---------------------------------------------------------------- who the agent is


def test_without_option_or_greeting_the_first_speaker_is_the_agent_and_the_reason_says_so() -> None:
    ticket = call("call-1004.deepgram.json")
    assert ticket.metadata["agent_rule"] == "first_speaker"
    assert ticket.metadata["agent_reason"] == "'0' speaks first and no speaker greets as the agent"
    unmatched = call("call-1004.deepgram.json", agent_speakers=["Agent"])
    assert unmatched.metadata["agent_reason"].endswith("; no speaker of this call is in agent_speakers")


def test_company_names_count_as_a_greeting() -> None:
    default = call("call-1004.deepgram.json", company_names=["Trailhead"])
    assert default.metadata["agent_rule"] == "first_speaker"  # neither speaker names the company
    named = call("call-1004.deepgram.json", company_names=["Beam headlamp"])
    assert named.metadata["agent_rule"] == "greeting" and "'Beam headlamp'" in named.metadata["agent_reason"]


def test_the_option_wins_over_the_greeting_but_not_when_it_lists_everyone() -> None:
    ticket = call("call-1001.vtt", agent_speakers=["dana reyes"])
    assert [m.role for m in ticket.messages] == [Role.agent, Role.customer, Role.agent, Role.customer]
    assert ticket.metadata["agent_reason"] == "listed in agent_speakers: Dana Reyes"
    everyone = call("call-1001.vtt", agent_speakers=["Dana Reyes", "Jake Moreno"])
    assert everyone.metadata["agent_rule"] == "greeting" and "every speaker" in everyone.metadata["agent_reason"]


def two_speaker_call(folder: Path, first: str, second: str, **options: Any) -> Ticket:
    """A hand-written two-turn WebVTT call between speakers `A` (first) and `B`, imported."""
    path = folder / "call.vtt"
    path.write_text(f"WEBVTT\n\n00:00.000 --> 00:02.000\n<v A>{first}\n\n00:02.500 --> 00:05.000\n<v B>{second}\n",
                    encoding="utf-8")
    (ticket,) = read(path, **options)
    assert isinstance(ticket, Ticket), ticket
    return ticket


def test_french_outbound_call_the_second_speaker_greeting_as_the_company_is_the_agent() -> None:
    (ticket,) = read(LANGUAGES / "appel-fr.vtt")
    assert isinstance(ticket, Ticket)
    assert [(m.role, m.author) for m in ticket.messages] == [
        (Role.customer, "Claire Martin"), (Role.agent, "Hugo Bernard"),
        (Role.customer, "Claire Martin"), (Role.agent, "Hugo Bernard")]
    assert ticket.metadata["agent_reason"] == "'Hugo Bernard' greets as the agent in turn 2: 'vous êtes bien chez'"
    (listed,) = read(LANGUAGES / "appel-fr.vtt", agent_speakers=["claire martin"])  # the option still wins
    assert listed.metadata["agent_rule"] == "option"  # type: ignore[union-attr]


@pytest.mark.parametrize(("name", "customer", "agent", "greeting"), [
    ("anruf-de.srt", "Speaker 1", "Speaker 2", "Danke fur Ihren Anruf"),  # the tool dropped the umlaut
    ("llamada-es.json", "SPEAKER_00", "SPEAKER_01", "gracias por llamar"),
])
def test_german_and_spanish_greetings_name_the_second_speaker_as_the_agent(name: str, customer: str, agent: str,
                                                                          greeting: str) -> None:
    (ticket,) = read(LANGUAGES / name)
    assert isinstance(ticket, Ticket)
    assert [m.author for m in ticket.messages if m.role == Role.agent] == [agent, agent]
    assert [m.author for m in ticket.messages if m.role == Role.customer] == [customer, customer]
    assert ticket.metadata["agent_reason"] == f"{agent!r} greets as the agent in turn 2: {greeting!r}"


@pytest.mark.parametrize("greeting", [
    "Merci d'avoir appele Maison Lumiere.", "Bonjour, vous etes bien chez Maison Lumière.",
    "Comment puis-je vous aider ?", "Sie sind verbunden mit Bergsport Huber.", "Wie kann ich Ihnen helfen?",
    "Danke für Ihren Anruf.", "Le atiende Lucia.", "¿En que puedo ayudarle?", "Grazie per aver chiamato.",
    "Buongiorno, come posso aiutarla?", "Obrigado por ligar.", "Olá, como posso ajudar?",
    "Bedankt voor het bellen.", "Goedemiddag, waarmee kan ik u helpen?",
])
def test_greetings_in_other_languages_match_with_or_without_accents(greeting: str, tmp_path: Path) -> None:
    ticket = two_speaker_call(tmp_path, "Allô?", greeting)
    assert ticket.metadata["agent_rule"] == "greeting" and ticket.metadata["agent_speakers"] == ["B"]


def test_company_names_match_without_their_accents(tmp_path: Path) -> None:
    ticket = two_speaker_call(tmp_path, "Allo?", "Maison Lumiere, bonjour.", company_names=["Maison Lumière"])
    assert ticket.metadata["agent_reason"] == "'B' greets as the agent in turn 2: 'Maison Lumiere'"


@pytest.mark.parametrize("thanks", ["Ah, merci !", "Merci beaucoup.", "¡Ah, gracias!", "Gracias por su ayuda.",
                                    "Danke schön!", "Grazie mille.", "Obrigado!", "Bedankt!"])
def test_a_customers_thanks_alone_is_no_greeting(thanks: str, tmp_path: Path) -> None:
    ticket = two_speaker_call(tmp_path, "Bonjour madame, c'est au sujet de votre commande 4512.", thanks)
    assert ticket.metadata["agent_rule"] == "first_speaker" and ticket.metadata["agent_speakers"] == ["A"]


@pytest.mark.parametrize(("name", "rule", "agent", "reason"), [
    ("call-1001.vtt", "greeting", "Jake Moreno",
     "'Jake Moreno' greets as the agent in turn 2: 'Thank you for calling'"),
    ("call-1002.srt", "greeting", "Speaker 1", "'Speaker 1' greets as the agent in turn 1: \"you've reached\""),
    ("call-1003.assemblyai.json", "greeting", "B", "'B' greets as the agent in turn 2: 'Thanks for calling'"),
    ("call-1004.deepgram.json", "first_speaker", "0", "'0' speaks first and no speaker greets as the agent"),
    ("call-1005.whisperx.json", "greeting", "SPEAKER_01",
     "'SPEAKER_01' greets as the agent in turn 1: 'Thank you for calling'"),
    ("call-1006.aws.json", "first_speaker", "spk_0", "'spk_0' speaks first and no speaker greets as the agent"),
])
def test_english_calls_are_decided_as_before(name: str, rule: str, agent: str, reason: str) -> None:
    ticket = call(name)
    assert (ticket.metadata["agent_rule"], ticket.metadata["agent_speakers"], ticket.metadata["agent_reason"]) == (
        rule, [agent], reason)


def test_a_colon_inside_a_sentence_is_no_speaker() -> None:
    text = "1\n00:00:01,000 --> 00:00:02,000\nAgent: Hi.\n\n2\n00:00:02,000 --> 00:00:03,000\nWe open at 10:30 today.\n"
    text += "\n3\n00:00:03,000 --> 00:00:04,000\nNote the hours, please: 9 to 5.\n"
    assert [c.speaker for c in srt_cues(text)] == ["Agent", None, None]


# ---------------------------------------------------------------- bad calls


def test_bad_calls_are_quarantined_naming_file_and_cue_and_the_rest_imported(tmp_path: Path) -> None:
    records = read(CALLS, agent_speakers=["1", "spk_1"])
    assert sorted(r.external_id for r in records if isinstance(r, Ticket)) == sorted(Path(n).stem for n in FORMATS)
    bad = {Path(r.source_file).name: (r.locator, r.reason) for r in records if isinstance(r, Rejected)}
    assert bad == {
        "backwards.vtt": ("cue 2 (line 6)", "cue ends before it starts: 7.5 s < 8 s in cue 2 (line 6)"),
        "bad-time.srt": ("cue 2 (line 6)", "bad timestamp: '00:00:61,000' in cue 2 (line 6)"),
        "no-speaker.srt": ("cue 1 (line 2)", "no speaker: label cues with <v Name>, 'Name: ' or the tool's speaker "
                                             "field in cue 1 (line 2)"),
        "no-text.srt": ("file", "no text: none of the 2 cue(s) holds words"),
        "not-a-transcript.json": ("file", "Deepgram results without `utterances` or diarized words (request "
                                          "utterances=true and diarize=true)"),
        "one-speaker.vtt": ("file", "only one speaker ('Agent') in 2 cue(s): a call needs a customer and an agent "
                                    "(is the transcript diarized?)"),
    }
    assert all(r.raw for r in records if isinstance(r, Rejected))


def test_odd_files_are_one_rejection_each(tmp_path: Path) -> None:
    (tmp_path / "empty.vtt").write_text("", encoding="utf-8")
    (tmp_path / "html.vtt").write_text("<html>not a transcript</html>", encoding="utf-8")
    (tmp_path / "latin.srt").write_bytes("1\n00:00:00,000 --> 00:00:01,000\nA: Café?\n".encode("cp1252"))
    (tmp_path / "out-of-order.json").write_text(json.dumps({"segments": [
        {"start": 5, "end": 6, "text": "Second", "speaker": "A"}, {"start": 1, "end": 2, "text": "First",
                                                                   "speaker": "B"}]}), encoding="utf-8")
    (tmp_path / "call-1001.vtt").write_bytes((CALLS / "call-1001.vtt").read_bytes())
    records = read(*sorted(tmp_path.iterdir()), CALLS / "call-1001.vtt")
    found = {(Path(r.source_file).parent.name == "transcripts", Path(r.source_file).name): r.locator
             for r in records if isinstance(r, Rejected)}
    assert found == {(False, "empty.vtt"): "file", (False, "html.vtt"): "line 1", (False, "latin.srt"): "file",
                     (False, "out-of-order.json"): "segments[1]", (True, "call-1001.vtt"): "file"}
    latin = next(r for r in records if isinstance(r, Rejected) and r.source_file.endswith("latin.srt"))
    assert "set the importer option `encoding`" in latin.reason
    assert [t.id for t in records if isinstance(t, Ticket)] == ["transcripts:call-1001"]


def test_unknown_options_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="colour"):
        TranscriptImporter({"colour": "blue"})
    with pytest.raises(ConfigError, match="greeting_turns"):
        TranscriptImporter({"greeting_turns": 0})


@pytest.mark.parametrize("seed", range(30))
def test_garbled_calls_are_exactly_one_outcome_each(seed: int, tmp_path: Path) -> None:
    from test_importers_fuzz import mutate

    rng = random.Random(seed)
    source = GOOD[seed % len(GOOD)]
    target = tmp_path / source.name
    target.write_bytes(mutate(source.read_bytes(), "document", rng.choice([None, -1, "x", {}, [1]]), rng))
    records = read(target)
    assert len(records) == 1 and isinstance(records[0], Ticket | Rejected)
    if isinstance(records[0], Rejected):
        assert records[0].reason and records[0].locator


# ---------------------------------------------------------------- ingest → clean → build


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Every fixture call through ingest, clean and build, in a fresh workspace (calls are multi-turn)."""
    from tunedesk.build import stage as build
    from tunedesk.clean import stage as clean
    from tunedesk.ingest import stage as ingest
    from tunedesk.scaffold import init_workspace
    from tunedesk.workspace import Workspace

    root = tmp_path_factory.mktemp("transcripts") / "ws"
    init_workspace(root)
    ws = Workspace.open(root, ["clean.single_exchange=false"])
    with pytest.MonkeyPatch.context() as patch:  # token counts for the card need transformers: not this test's subject
        patch.setattr(build, "load_tokenizer", _no_tokenizer)
        ingested = ingest.run(ws, [CALLS], "transcripts", {"agent_speakers": ["1", "spk_1"]}).as_dict()
        cleaned = clean.run(ws)
        summary = build.run(ws).as_dict()
    yield {"ws": ws, "ingest": ingested, "clean": cleaned, "build": summary}


def _no_tokenizer(name: str) -> Any:
    raise ModelError("tokenizer not loaded in this test")


def test_round_trip_accounts_for_every_call(built: dict[str, Any]) -> None:
    summary = built["ingest"]
    assert summary["by_format"]["transcripts"] == {"in": 12, "tickets": 6, "articles": 0, "quarantined": 6}
    assert built["ws"].store.count("quarantine") == 6
    assert built["clean"].kept == 6


def test_round_trip_builds_examples_with_the_agents_words_as_targets(built: dict[str, Any]) -> None:
    paths = built["build"]["paths"]
    rows = [json.loads(line) for split in ("train", "val", "holdout")
            for line in Path(paths[split]).read_text(encoding="utf-8").splitlines()]
    assert {r["ticket_id"] for r in rows} == {f"transcripts:{Path(n).stem}" for n in FORMATS}
    jacket = next(r for r in rows if r["ticket_id"] == "transcripts:call-1006.aws")
    assert [t["role"] for t in jacket["messages"]] == ["system", "user", "assistant"]
    assert jacket["messages"][1]["content"] == "Is the Cascade jacket waterproof?"
    assert "fully waterproof" in jacket["messages"][-1]["content"]
    assert "Dana" not in json.dumps(rows) and "Reyes" not in json.dumps(rows)  # a voice tag's name is redacted


# ---------------------------------------------------------------- the documentation


def test_the_documented_sources_validate_and_every_option_is_documented() -> None:
    import yaml

    from tunedesk.config import Config, merge
    from tunedesk.ingest.importers.salesforce import SalesforceImporter

    text = (Path(__file__).parents[1] / "docs" / "sources_tickets.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"^```yaml\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    config = Config.model_validate(merge(Config().model_dump(mode="json"), yaml.safe_load(block)))
    assert [s.format for s in config.sources] == ["salesforce", "transcripts"]
    for source in config.sources:
        get_importer(source.format or "")(source.options)  # the options are the importer's
    for importer in (SalesforceImporter, TranscriptImporter):
        missing = [name for name in importer.Options.model_fields if f"`{name}`" not in text]
        assert not missing, f"{importer.name}: options not in docs/sources_tickets.md: {missing}"
