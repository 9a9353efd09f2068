"""GGUF files for llama.cpp and Ollama: llama.cpp's own converter (run as a subprocess, never copied into tunedesk)
makes the F16 file, llama-cpp-python quantizes it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

from tunedesk.export.runfolder import ExportError, ExportToolsMissing
from tunedesk.models.base import cache_dir

CONVERTER = "convert_hf_to_gguf.py"
LLAMA_CPP_ENV = "TUNEDESK_LLAMA_CPP"
INSTALL_HINT = "run `make gguf-tools` (downloads llama.cpp's converter and builds llama-cpp-python, ~5 minutes)"
# The llama.cpp file types worth offering; names as llama.cpp's `quantize` tool spells them, lower case.
QUANT_TYPES = ("q8_0", "q6_k", "q5_k_m", "q5_k_s", "q5_0", "q4_k_m", "q4_k_s", "q4_0", "q3_k_m", "q2_k")
QUANT_THREADS = 2


# Runs the converter as `python convert_hf_to_gguf.py ...` would (its `conversion` package and matching gguf-py
# beside it come first on the path). Without sentencepiece installed, one converter method is guarded: it imports
# sentencepiece before it looks for a tokenizer.model, so a BPE model (SmolLM2, Llama 3, Qwen), which has none,
# would fail instead of falling back to its tokenizer.json. A SentencePiece model still needs the package.
_LAUNCHER = """
import importlib.util, os, runpy, sys
script = os.path.abspath(sys.argv[1])
sys.argv = sys.argv[1:]
sys.path[:0] = [os.path.dirname(script), os.path.join(os.path.dirname(script), "gguf-py")]
if importlib.util.find_spec("sentencepiece") is None:
    from conversion import base
    create = getattr(base.TextModel, "_create_vocab_sentencepiece", None)
    if create is not None:
        def guarded(self, create=create):
            if not (self.dir_model / "tokenizer.model").is_file():
                raise FileNotFoundError(f"no {self.dir_model / 'tokenizer.model'}")
            return create(self)
        base.TextModel._create_vocab_sentencepiece = guarded
runpy.run_path(script, run_name="__main__")
"""


def find_converter() -> Path:
    """llama.cpp's convert_hf_to_gguf.py: in $TUNEDESK_LLAMA_CPP, else in the tools folder of the tunedesk cache
    (or of the default cache in the home folder, where `make gguf-tools` puts it when TUNEDESK_CACHE is unset)."""
    env = os.environ.get(LLAMA_CPP_ENV)
    if env:
        candidates = [Path(env).expanduser()]
    else:
        home_cache = Path.home() / ".cache" / "tunedesk"
        candidates = list(dict.fromkeys([cache_dir() / "tools" / "llama.cpp", home_cache / "tools" / "llama.cpp"]))
    for candidate in candidates:
        script = candidate if candidate.suffix == ".py" else candidate / CONVERTER
        if script.is_file():
            return script
    where = f"{LLAMA_CPP_ENV}={env}" if env else " or ".join(map(str, candidates))
    raise ExportToolsMissing(f"llama.cpp's {CONVERTER} is not installed ({where}): {INSTALL_HINT}")


def require_llama_cpp() -> ModuleType:
    """The llama_cpp module (quantizing and the self-check need it), or a clear error saying how to install it."""
    try:
        import llama_cpp
    except ImportError:
        raise ExportToolsMissing("llama-cpp-python is not installed (needed to quantize and to check the GGUF): "
                                 f"{INSTALL_HINT}, or `pip install 'tunedesk[export]'`") from None
    return llama_cpp


def check_quant_types(names: list[str]) -> list[str]:
    """The requested quantization types in lower case, each one known; every unknown name reported at once."""
    wanted = [name.strip().lower() for name in names]
    unknown = [name for name in wanted if name not in QUANT_TYPES]
    if unknown:
        raise ExportError(f"unknown quantization type(s) {', '.join(map(repr, unknown))}: "
                          f"choose from {', '.join(QUANT_TYPES)}")
    return list(dict.fromkeys(wanted))


def gguf_file_name(run_id: str, kind: str) -> str:
    """The file name of one GGUF of a run: `<run_id>-f16.gguf`, `<run_id>-q8_0.gguf`."""
    return f"{run_id}-{kind}.gguf"


def convert_to_gguf(model_dir: Path, out_file: Path, name: str) -> None:
    """Write `model_dir` (a whole transformers model) as an F16 GGUF with llama.cpp's converter."""
    script = find_converter()
    command = [sys.executable, "-c", _LAUNCHER, str(script), str(model_dir), "--outfile", str(out_file),
               "--outtype", "f16", "--model-name", name]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    (out_file.parent / "convert.log").write_text(done.stdout + done.stderr, encoding="utf-8")
    if done.returncode != 0 or not out_file.is_file():
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-8:])
        needs_sentencepiece = "sentencepiece" in tail
        hint = "\nthis model's tokenizer needs: pip install 'sentencepiece>=0.1.98,<0.3'" if needs_sentencepiece else ""
        raise ExportError(f"llama.cpp's converter failed on {model_dir} (exit {done.returncode}):\n{tail}{hint}")


def quantize_gguf(f16_file: Path, out_file: Path, kind: str) -> str | None:
    """Quantize an F16 GGUF to `kind` (one of QUANT_TYPES) with llama.cpp; a warning when tensors fell back."""
    import ctypes

    llama_cpp = require_llama_cpp()
    ftype = getattr(llama_cpp, f"LLAMA_FTYPE_MOSTLY_{kind.upper()}", None)
    if ftype is None:
        raise ExportError(f"this llama-cpp-python ({llama_cpp.__version__}) cannot quantize to {kind}")
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = ftype
    params.nthread = QUANT_THREADS
    log = out_file.parent / f"quantize-{kind}.log"
    with _native_output_to(log):
        status = llama_cpp.llama_model_quantize(str(f16_file).encode(), str(out_file).encode(), ctypes.byref(params))
    if status != 0 or not out_file.is_file():
        raise ExportError(f"llama.cpp could not quantize {f16_file.name} to {kind} (status {status}); see {log}")
    fallback = re.search(r"(\d+) of (\d+) tensor\(s\) required fallback", log.read_text(errors="replace"))
    if fallback is None:
        return None
    return (f"{kind}: {fallback[1]} of {fallback[2]} tensors use another type (their rows do not divide into "
            f"{kind}'s blocks); see {log.name}")


@contextmanager
def _native_output_to(log: Path) -> Iterator[None]:
    """Send what C code prints (a line a tensor) to a log file instead of the terminal."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    try:
        with log.open("w", encoding="utf-8") as fh:
            os.dup2(fh.fileno(), 1)
            os.dup2(fh.fileno(), 2)
            try:
                yield
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os.dup2(saved[0], 1)
                os.dup2(saved[1], 2)
    finally:
        os.close(saved[0])
        os.close(saved[1])
