"""Shared fixtures: third-party data from ../shared/data (skipped with a reason when absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    """Where the third-party data lives: $TUNEDESK_SHARED_DATA or ../shared/data beside the repository."""
    env = os.environ.get("TUNEDESK_SHARED_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """The third-party data folder, or skip: it is never copied into the repository."""
    path = shared_data_dir()
    if not path.is_dir():
        pytest.skip(f"third-party data not found at {path} (set TUNEDESK_SHARED_DATA); real-data test skipped")
    return path


# Converted models (the embedded tokenizer, later the model) are cached once per checkout, inside the repository
# (ignored by git), so the suite never writes to the user's home and pays the conversion once.
os.environ.setdefault("TUNEDESK_CACHE", str(REPO / ".cache" / "tunedesk"))
