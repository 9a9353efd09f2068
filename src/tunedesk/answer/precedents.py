"""Which precedent index a model version is served with: a run's own (saved in its folder when it was trained),
an exported model's (beside it), or for the base model the workspace's current build. Refused with a clear message
when the index is missing, changed since training, or not the one the version's evaluation used."""

from __future__ import annotations

from pathlib import Path

from tunedesk.build.precedents import retriever
from tunedesk.config.data import PrecedentsConfig
from tunedesk.prompt.precedents import FILE_NAME, PastTickets, PrecedentIndexError, Precedents
from tunedesk.store.runs import RunError, find_run
from tunedesk.workspace import Workspace


def precedents_for(ws: Workspace, version: str, check_eval: bool = True) -> Precedents | None:
    """The precedents shown with `version`'s prompts (None: none, as the version was trained)."""
    if version == "retrieval":  # the baseline answers with a past reply, not from a prompt
        return None
    path, recorded, config = _index_of(ws, version)
    if path is None or config.k == 0:
        return None
    if not path.is_file():
        if recorded:
            raise PrecedentIndexError(f"{version}: its precedent index {path} is missing; the model was trained with "
                                      "precedents and answers badly without them: restore the file or train again")
        return None
    index = PastTickets.load(path)
    if recorded and index.sha256 != recorded:
        raise PrecedentIndexError(f"{path} changed since {version} was trained (sha256 {index.sha256} is not "
                                  f"{recorded}): restore it, or train a new run on the new build")
    if check_eval:
        _check_evaluated(ws, version, path, index.sha256)
    return Precedents(retriever(index, config), config, ws.policies().voice.sign_off)


def _index_of(ws: Workspace, version: str) -> tuple[Path | None, str | None, PrecedentsConfig]:
    """(the index file, the hash recorded when the version was trained, the precedents config it was trained
    with)."""
    workspace = ws.config.dataset.precedents
    if version == "base":
        return ws.output_dir("data") / FILE_NAME, None, workspace
    try:
        run = find_run(ws.root, version)
    except RunError:
        beside = Path(version) if Path(version).is_dir() else Path(version).parent
        return (beside / FILE_NAME if (beside / FILE_NAME).is_file() else None), None, workspace
    record = run.record.get("precedents")
    if not isinstance(record, dict):  # trained before precedents, or without an index
        return None, None, workspace
    trained = PrecedentsConfig.model_validate(record.get("config") or {})
    return run.path / FILE_NAME, str(record.get("sha256") or ""), trained


def _check_evaluated(ws: Workspace, version: str, path: Path, sha: str | None) -> None:
    """A version is served with the index its evaluation used, or not at all."""
    from tunedesk.store.evaluations import read_summary

    evaluated = (read_summary(ws.root, version) or {}).get("precedents_sha256")
    if evaluated and sha and evaluated != sha:
        raise PrecedentIndexError(f"{path} is not the precedent index {version} was evaluated with (sha256 {sha}, "
                                  f"evaluated {evaluated}): evaluate it again with `tunedesk eval --model {version}` "
                                  "before serving it")

