"""`tunedesk export`: merged safetensors, GGUF (F16 + quantized), the Ollama Modelfile, and the self-check."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import pytest
from rich.console import Console

from tiny_model import tiny_model_folder
from tunedesk.export import (
    CheckResult,
    ExportError,
    ExportToolsMissing,
    TemplateNotTranslatable,
    export_run,
    print_export,
)
from tunedesk.export import stage as export_stage
from tunedesk.export.check import check_gguf
from tunedesk.export.gguf import find_converter
from tunedesk.export.ollama import chatml_layout, go_template
from tunedesk.models.base import file_hash

if TYPE_CHECKING:
    import torch

FIXTURES = Path(__file__).parent / "fixtures" / "export"


def _converter_installed() -> bool:
    try:
        find_converter()
    except ExportToolsMissing:
        return False
    return True


needs_gguf_tools = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None or not _converter_installed(),
    reason="llama-cpp-python or llama.cpp's convert_hf_to_gguf.py is not installed (`make gguf-tools`)",
)


def _write_run(path: Path, method: str, base: Path) -> Path:
    record = {"id": path.name, "created": "2026-11-21T10:15:00+00:00", "finished": "2026-11-21T10:16:00+00:00",
              "status": "completed", "method": method, "seed": 0,
              "base": {"name": "tiny-llama", "folder": str(base), "hash": file_hash(base)}}
    (path / "run.json").write_text(json.dumps(record), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def lora_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished LoRA run on the tiny model; random (not zero) adapter weights, so merging changes the outputs."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    base = tiny_model_folder()
    run = tmp_path_factory.mktemp("runs") / "20261121-101500-lora"
    torch.manual_seed(1)
    model = get_peft_model(AutoModelForCausalLM.from_pretrained(base),
                           LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"],
                                      init_lora_weights=False))
    model.save_pretrained(str(run / "model"))
    AutoTokenizer.from_pretrained(base).save_pretrained(run / "model")
    shutil.copyfile(base / "chat_template.jinja", run / "model" / "chat_template.jinja")
    return _write_run(run, "lora", base)


@pytest.fixture(scope="module")
def full_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished full fine-tune: its model folder is a whole transformers model."""
    base = tiny_model_folder()
    run = tmp_path_factory.mktemp("runs") / "20261121-111500-full"
    shutil.copytree(base, run / "model")
    return _write_run(run, "full", base)


def _logits(model: Callable[..., Any], text: str = "Where is my parcel?") -> torch.Tensor:
    import torch
    from transformers import AutoTokenizer

    ids = AutoTokenizer.from_pretrained(tiny_model_folder())(text, return_tensors="pt")["input_ids"]
    with torch.inference_mode():
        logits: torch.Tensor = model(ids).logits
        return logits


def test_merged_export_gives_the_adapter_models_outputs(lora_run: Path) -> None:
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    result = export_run(lora_run, "merged")

    out = lora_run / "export" / "merged"
    assert result.out_dir == out and result.ok
    assert result.check is not None and result.check.status == "passed"
    assert result.check.expected_reply == result.check.actual_reply
    assert (out / "model.safetensors").is_file() and not (out / "adapter_config.json").exists()
    assert (out / "chat_template.jinja").read_bytes() == (lora_run / "model" / "chat_template.jinja").read_bytes()
    merged = _logits(AutoModelForCausalLM.from_pretrained(out))
    base = AutoModelForCausalLM.from_pretrained(tiny_model_folder())
    base_logits = _logits(base)
    adapter = _logits(PeftModel.from_pretrained(base, lora_run / "model"))
    # The adapter must change the model, or the merged-vs-adapter comparison below could not fail.
    assert (adapter - base_logits).abs().max() > 1e-3
    assert (merged - adapter).abs().max() < 1e-4
    assert result.sizes["merged model"] > 10_000_000


def test_full_run_exports_its_own_weights_and_skips_the_merge_check(full_run: Path, tmp_path: Path) -> None:
    from transformers import AutoModelForCausalLM

    result = export_run(full_run, "merged", out_dir=tmp_path / "merged")

    assert result.check is not None and result.check.status == "skipped"
    exported = _logits(AutoModelForCausalLM.from_pretrained(tmp_path / "merged"))
    original = _logits(AutoModelForCausalLM.from_pretrained(full_run / "model"))
    assert (exported - original).abs().max() < 1e-6


def test_modelfile_template_for_smollm2_chatml() -> None:
    template = (tiny_model_folder() / "chat_template.jinja").read_text(encoding="utf-8")
    layout = chatml_layout(_jinja_render(template))

    assert layout.prefix == ""
    assert layout.default_system == "You are a helpful AI assistant named SmolLM, trained by Hugging Face"
    assert go_template(layout) == (
        '{{ range $i, $m := .Messages }}{{ if and (eq $i 0) (ne $m.Role "system") }}<|im_start|>system\n'
        "You are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n{{ end }}"
        "<|im_start|>{{ $m.Role }}\n{{ $m.Content }}<|im_end|>\n"
        '{{ if and (eq (len (slice $.Messages $i)) 1) (ne $m.Role "assistant") }}<|im_start|>assistant\n'
        "{{ end }}{{ end }}")


def _jinja_render(template: str) -> Callable[[list[dict[str, str]], bool], str]:
    compiled = jinja2.Environment().from_string(template)
    return lambda messages, add_generation_prompt: compiled.render(messages=messages,
                                                                   add_generation_prompt=add_generation_prompt)


@pytest.mark.parametrize("name", ["llama2_inst.jinja", "chatml_assistant_think.jinja"])
def test_template_outside_chatml_is_refused_with_a_clear_message(name: str) -> None:
    template = (FIXTURES / name).read_text(encoding="utf-8")

    with pytest.raises(TemplateNotTranslatable, match="ChatML"):
        chatml_layout(_jinja_render(template))


def test_ollama_export_of_an_untranslatable_template_fails_before_any_work(lora_run: Path, tmp_path: Path) -> None:
    run = tmp_path / "20261121-121500-lora"
    shutil.copytree(lora_run, run, ignore=shutil.ignore_patterns("export"))
    shutil.copyfile(FIXTURES / "llama2_inst.jinja", run / "model" / "chat_template.jinja")

    with pytest.raises(TemplateNotTranslatable, match="Ollama"):
        export_run(run, "ollama")
    assert not (run / "export").exists()


def test_missing_converter_error_names_the_make_target(lora_run: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUNEDESK_LLAMA_CPP", str(tmp_path / "no-llama.cpp"))

    with pytest.raises(ExportToolsMissing, match="make gguf-tools"):
        export_run(lora_run, "gguf", out_dir=tmp_path / "gguf")
    assert not (tmp_path / "gguf").exists()


def test_missing_llama_cpp_error_names_the_make_target(lora_run: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    converter = tmp_path / "convert_hf_to_gguf.py"
    converter.write_text("raise SystemExit(1)\n")
    monkeypatch.setenv("TUNEDESK_LLAMA_CPP", str(converter))
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # import llama_cpp now raises ImportError

    with pytest.raises(ExportToolsMissing, match=r"llama-cpp-python is not installed.*make gguf-tools"):
        export_run(lora_run, "gguf", out_dir=tmp_path / "gguf")
    assert not (tmp_path / "gguf").exists()


def test_unknown_quantization_is_reported_with_the_choices(lora_run: Path) -> None:
    with pytest.raises(ExportError, match=r"'q9_9'.*q8_0, .*q4_k_m"):
        export_run(lora_run, "gguf", quantize=["q8_0", "q9_9"])


@pytest.mark.parametrize(("change", "message"), [
    ({"status": "running"}, "status 'running'"),
    ({"base": {"name": "tiny-llama", "folder": "/nowhere/tiny-llama"}}, "base model .* is not on this machine"),
])
def test_run_that_cannot_be_exported_says_why(lora_run: Path, tmp_path: Path, change: dict[str, object],
                                              message: str) -> None:
    run = tmp_path / "20261121-131500-lora"
    shutil.copytree(lora_run, run, ignore=shutil.ignore_patterns("export"))
    record = json.loads((run / "run.json").read_text())
    (run / "run.json").write_text(json.dumps({**record, **change}))

    with pytest.raises(ExportError, match=message):
        export_run(run, "merged")
    assert not (run / "export" / "merged").exists()


def test_a_folder_of_other_files_is_never_overwritten(full_run: Path, tmp_path: Path) -> None:
    keep = tmp_path / "mine" / "notes.txt"
    keep.parent.mkdir()
    keep.write_text("my own notes")

    with pytest.raises(ExportError, match="not an earlier export"):
        export_run(full_run, "merged", out_dir=keep.parent)
    assert keep.read_text() == "my own notes"


def test_failed_check_keeps_the_files_and_shows_both_replies(full_run: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    failed = CheckResult("failed", "merged vs adapter on base (transformers)", reason="the replies differ",
                         expected_reply="Your parcel ships today.", actual_reply="Parcel parcel parcel")
    monkeypatch.setattr(export_stage, "check_merge", lambda run, out: failed)
    console = Console(record=True, width=200)

    result = export_run(full_run, "merged", out_dir=tmp_path / "merged")
    print_export(result, console)

    assert not result.ok and json.loads(json.dumps(result.as_dict()))["check"]["status"] == "failed"
    assert (tmp_path / "merged" / "model.safetensors").is_file()
    shown = console.export_text()
    assert "FAILED" in shown and "Your parcel ships today." in shown and "Parcel parcel parcel" in shown


@needs_gguf_tools
def test_gguf_round_trip_and_ollama_export(lora_run: Path) -> None:
    result = export_run(lora_run, "gguf", quantize=["q8_0"])

    assert result.check is not None and result.check.status == "passed", result.check
    assert result.check.expected_tokens == result.check.actual_tokens
    assert result.check.expected_reply == result.check.actual_reply
    f16, q8 = result.files["gguf f16"], result.files["gguf q8_0"]
    assert f16.read_bytes()[:4] == b"GGUF" and q8.read_bytes()[:4] == b"GGUF"
    assert 0 < result.sizes["gguf q8_0"] < result.sizes["gguf f16"]
    # The check tells models apart: against the base model (adapter not merged) the same GGUF fails it.
    unmerged = check_gguf(tiny_model_folder(), f16)
    assert unmerged.status == "failed" and "differ" in unmerged.reason

    ollama = export_run(lora_run, "ollama", quantize=["q8_0"])

    assert {"merged", "gguf"} <= set(ollama.reused) and ollama.ok
    modelfile = (ollama.out_dir / "Modelfile").read_text()
    assert modelfile.startswith(f"FROM ./{q8.name}\n") and (ollama.out_dir / q8.name).is_file()
    assert 'PARAMETER stop "<|im_end|>"' in modelfile and 'PARAMETER stop "<|im_start|>"' in modelfile
    assert ollama.ollama_command and "ollama create tunedesk-20261121-101500-lora -f Modelfile" in ollama.ollama_command
