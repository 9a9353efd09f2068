"""The export's self-check: an exported model must give the same greedy reply to a fixed prompt as the model it
was made from (merged vs adapter; GGUF F16 via llama.cpp vs merged via transformers)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from tunedesk.export.runfolder import ExportError
from tunedesk.models.generation import stop_ids, stop_index
from tunedesk.models.run import RunModel, load_run_model, load_tokenizer, load_whole_model

if TYPE_CHECKING:
    from tunedesk.models.protocols import CausalLM, Tokenizer

# Fictional shop; a question every support model should answer, rendered through the run's own chat template.
CHECK_MESSAGES = [
    {"role": "system", "content": "You are the support assistant of Example Outfitters (shop.example)."},
    {"role": "user", "content": "Hi, my order 1042 has not arrived yet. What can I do?"},
]
MAX_NEW_TOKENS = 24
# One thread for both engines: their worker threads spin while they wait for each other, and on a busy 2-core
# machine two threads took 6.7 s (llama.cpp, tiny model) and 13.5 s (torch, SmolLM2-135M) for the 24 tokens that one
# thread made in 0.02 s and 1.9 s. A short check gains little from a second thread even on an idle machine.
CHECK_THREADS = 1

CheckStatus = Literal["passed", "failed", "skipped"]


@dataclass
class CheckResult:
    """The outcome of one self-check, with both replies so a person can see how they differ."""

    status: CheckStatus
    compared: str
    """What was compared with what, e.g. `GGUF F16 (llama.cpp) vs merged (transformers)`."""
    reason: str = ""
    prompt: str = ""
    expected_reply: str = ""
    """The reference model's greedy reply."""
    actual_reply: str = ""
    """The exported model's greedy reply."""
    expected_tokens: list[int] = field(default_factory=list)
    actual_tokens: list[int] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True only when the check ran and the replies were identical."""
        return self.status == "passed"

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape kept in export.json and printed by `export --json`."""
        return asdict(self)


def check_prompt(tokenizer: Tokenizer) -> tuple[str, list[int]]:
    """The fixed check prompt as text and token ids, exactly as training rendered chats (no extra BOS)."""
    text = tokenizer.apply_chat_template(CHECK_MESSAGES, tokenize=False, add_generation_prompt=True)
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    return text, list(ids)


def transformers_reply(model: CausalLM, prompt: list[int], stops: set[int],
                       max_new_tokens: int = MAX_NEW_TOKENS) -> list[int]:
    """The greedy reply of a transformers model, cut before the first stop token."""
    import torch
    from transformers import GenerationConfig

    # A fresh config so a model's sampling defaults (temperature, repetition penalty) never enter the comparison.
    config = GenerationConfig(max_new_tokens=max_new_tokens, do_sample=False, eos_token_id=sorted(stops),
                              pad_token_id=min(stops) if stops else None)
    threads = torch.get_num_threads()
    torch.set_num_threads(CHECK_THREADS)
    try:
        with torch.inference_mode():
            out = model.generate(torch.tensor([prompt]), attention_mask=torch.ones(1, len(prompt), dtype=torch.long),
                                 generation_config=config)
    finally:
        torch.set_num_threads(threads)
    reply = out[0, len(prompt):].tolist()
    return reply[:stop_index(reply, stops)]


def llama_reply(gguf: Path, prompt_text: str, stops: set[int],
                max_new_tokens: int = MAX_NEW_TOKENS) -> tuple[list[int], list[int]]:
    """llama.cpp's own tokens for the prompt text and its greedy reply to them, as users of the GGUF would get."""
    from llama_cpp import Llama

    llm = Llama(model_path=str(gguf), n_ctx=512, n_threads=CHECK_THREADS, n_threads_batch=CHECK_THREADS,
                seed=0, verbose=False)
    try:
        prompt = llm.tokenize(prompt_text.encode("utf-8"), add_bos=False, special=True)
        reply: list[int] = []
        for token in llm.generate(prompt, temp=0.0, top_k=1, top_p=1.0, min_p=0.0, repeat_penalty=1.0, reset=True):
            if token in stops:
                break
            reply.append(int(token))
            if len(reply) >= max_new_tokens:
                break
    finally:
        llm.close()
    return list(prompt), reply


def check_gguf(merged_dir: Path, gguf: Path) -> CheckResult:
    """Compare the F16 GGUF's greedy reply (llama.cpp) with the merged model's (transformers)."""
    compared = "GGUF F16 (llama.cpp) vs merged (transformers)"
    tokenizer = load_tokenizer(merged_dir)
    try:
        model = load_whole_model(merged_dir)
    except (OSError, ValueError) as exc:
        raise ExportError(f"cannot load the merged model in {merged_dir}: {exc}") from None
    text, prompt = check_prompt(tokenizer)
    stops = stop_ids(model, tokenizer)
    expected = transformers_reply(model, prompt, stops)
    del model
    llama_prompt, actual = llama_reply(gguf, text, stops)
    reason = ""
    if llama_prompt != prompt:
        reason = f"llama.cpp reads the prompt as different tokens ({_first_difference(prompt, llama_prompt)})"
    elif actual != expected:
        reason = f"the replies differ ({_first_difference(expected, actual)})"
    return _result(compared, reason, text, tokenizer, expected, actual)


def check_merge(run: RunModel, merged_dir: Path) -> CheckResult:
    """Compare the merged model's greedy reply with the base-plus-adapter model's, before merging."""
    compared = "merged vs adapter on base (transformers)"
    if not run.is_adapter:
        return CheckResult("skipped", compared, reason="a full fine-tune is already a whole model: nothing merged")
    tokenizer = load_tokenizer(merged_dir)
    text, prompt = check_prompt(tokenizer)
    adapter_model = load_run_model(run, merge=False)
    stops = stop_ids(adapter_model, tokenizer)
    expected = transformers_reply(adapter_model, prompt, stops)
    del adapter_model
    merged = load_whole_model(merged_dir)
    actual = transformers_reply(merged, prompt, stops)
    reason = "" if actual == expected else f"the replies differ ({_first_difference(expected, actual)})"
    return _result(compared, reason, text, tokenizer, expected, actual)


def _result(compared: str, reason: str, prompt: str, tokenizer: Tokenizer, expected: list[int],
            actual: list[int]) -> CheckResult:
    return CheckResult("failed" if reason else "passed", compared, reason=reason, prompt=prompt,
                       expected_reply=tokenizer.decode(expected), actual_reply=tokenizer.decode(actual),
                       expected_tokens=expected, actual_tokens=actual)


def _first_difference(expected: list[int], actual: list[int]) -> str:
    for i, (a, b) in enumerate(zip(expected, actual, strict=False)):
        if a != b:
            return f"first at token {i}: {a} vs {b}"
    return f"{len(expected)} vs {len(actual)} tokens"
