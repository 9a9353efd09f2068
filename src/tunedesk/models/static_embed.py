"""A fast sentence embedder for the server: static token vectors distilled from the packaged MiniLM.

Each of MiniLM's 30,522 word pieces is run through the model once, alone (`[CLS] token [SEP]`), and its output
vector kept: a table computed once (~25 s on 2 cores) and cached. A text's embedding is then the SIF-weighted mean
of its tokens' vectors (rare words in the workspace's own corpus count more), with the corpus mean and first
principal component removed — the smooth-inverse-frequency recipe of Arora et al. (2017) on model2vec-style
distilled vectors. One text costs a tokenizer call and a small weighted sum (~0.3 ms here, against ~40 ms for a
MiniLM forward pass on this 2-core CPU), which keeps the guardrails' per-reply overhead within milliseconds.

Measured on the example corpus as it was in 2026-11 (194 held-out customer messages, nearest training message's
category): 86 % right against 75 % for full MiniLM embeddings. The full model stays available
(`serve.embedder: minilm`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunedesk.models.base import cache_dir

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from tunedesk.models.protocols import SentenceModel, TextTokenizer

SIF_A = 1e-3
"""Smooth-inverse-frequency constant: a token of corpus frequency p weighs a / (a + p)."""
TABLE_NAME = "minilm-l6-static-v1.npy"


def static_embedder(corpus: Sequence[str], folder: Path | None = None) -> Any:
    """An embedder fitted to the corpus (weights, mean, principal component), or None without MiniLM."""
    import numpy as np

    from tunedesk.models.embed import minilm_model

    model = minilm_model()
    if model is None:
        return None
    tokenizer = model.tokenizer
    table = _table(model, folder or cache_dir() / "embeddings")
    counts = Counter(i for text in corpus for i in _ids(tokenizer, text))
    total = max(1, sum(counts.values()))
    weights = np.full(table.shape[0], 1.0, dtype="float32")
    for token, count in counts.items():
        weights[token] = SIF_A / (SIF_A + count / total)
    return StaticEmbedder(tokenizer, table, weights).fit(corpus)


class StaticEmbedder:
    """Texts in, one vector per text out: the SIF-weighted mean of static token vectors, common direction removed."""

    def __init__(self, tokenizer: TextTokenizer, table: NDArray[np.float32],
                 weights: NDArray[np.float32]) -> None:
        import numpy as np

        self.tokenizer, self.table, self.weights = tokenizer, table, weights
        self.mean = np.zeros(table.shape[1], dtype="float32")
        self.component = np.zeros((0, table.shape[1]), dtype="float32")

    def fit(self, corpus: Sequence[str]) -> StaticEmbedder:
        """Learn the corpus mean and first principal component to remove (needs a few texts)."""
        import numpy as np

        if len(corpus) >= 3:
            raw = self._raw(list(corpus))
            self.mean = raw.mean(0)
            self.component = np.linalg.svd(raw - self.mean, full_matrices=False)[2][:1]
        return self

    def __call__(self, texts: list[str]) -> Any:
        raw = self._raw(texts)
        centred = raw - self.mean
        out = centred - (centred @ self.component.T) @ self.component
        out[~raw.any(axis=1)] = 0.0  # no known token: similar to nothing rather than to the corpus mean
        return out

    def _raw(self, texts: list[str]) -> NDArray[np.float32]:
        import numpy as np

        out = np.zeros((len(texts), self.table.shape[1]), dtype="float32")
        for row, text in enumerate(texts):
            ids = _ids(self.tokenizer, text)
            if ids:
                w = self.weights[ids]
                out[row] = (w @ self.table[ids]) / max(float(w.sum()), 1e-9)
        return out


def _ids(tokenizer: TextTokenizer, text: str) -> list[int]:
    return tokenizer(text or "", add_special_tokens=False, truncation=True, max_length=512)["input_ids"]


def _table(model: SentenceModel, folder: Path) -> NDArray[np.float32]:
    """The static token table, from the cache or computed once from the model (float16 on disk)."""
    import numpy as np

    path = folder / TABLE_NAME
    if path.is_file():
        return np.load(path).astype("float32")
    table = _distil(model)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, table.astype("float16"))
    tmp.replace(path)
    return table


def _distil(model: SentenceModel, batch: int = 1024) -> NDArray[np.float32]:
    import numpy as np
    import torch

    tokenizer, encoder = model.tokenizer, model[0].auto_model
    rows = []
    with torch.inference_mode():
        for start in range(0, tokenizer.vocab_size, batch):
            ids = torch.arange(start, min(tokenizer.vocab_size, start + batch))
            inputs = torch.stack([torch.full_like(ids, tokenizer.cls_token_id), ids,
                                  torch.full_like(ids, tokenizer.sep_token_id)], 1)
            hidden = encoder(input_ids=inputs, attention_mask=torch.ones_like(inputs)).last_hidden_state
            rows.append(hidden[:, 1].float().numpy())
    return np.concatenate(rows)
