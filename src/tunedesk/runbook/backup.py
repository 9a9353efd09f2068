"""`tunedesk backup` and `tunedesk restore` for a SQLite store.

A backup is taken with SQLite's online backup API, not a file copy: the store runs in WAL mode, so a copied file can
miss what its write-ahead log still holds, and a running server may be writing. A restore checks the backup
(integrity check, the store's tables) before it touches anything, keeps the store it replaces beside it, and opens
the result through the store's migrations. A PostgreSQL store is backed up with its own tools (pg_dump)."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from tunedesk.errors import TunedeskError
from tunedesk.store import open_store
from tunedesk.store.db import resolve_url
from tunedesk.workspace import Workspace

BACKUP_DIR = "backups"
COUNTED = ("tickets", "articles", "clean_tickets", "model_versions", "model_events", "served_replies", "feedback")
"""Tables a backup must hold (and whose rows the summary counts), besides alembic_version."""
SIDECARS = ("-wal", "-shm")


class BackupError(TunedeskError):
    """A backup cannot be taken, or a file is not a usable backup of a tunedesk store."""


@dataclass
class BackupSummary:
    """What backup or restore did: the backup file, the store file, row counts, and the replaced store's new home."""

    action: str
    backup: Path
    store: Path
    counts: dict[str, int] = field(default_factory=dict)
    size: int = 0
    kept: list[Path] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The JSON `backup --json` and `restore --json` print."""
        return {"action": self.action, "backup": str(self.backup), "store": str(self.store), "bytes": self.size,
                "counts": self.counts, "kept": [str(p) for p in self.kept]}


def sqlite_path(ws: Workspace) -> Path:
    """The store's SQLite file (without opening it), or a BackupError naming the tools for a server database."""
    url = make_url(resolve_url(ws.config.store.url, ws.root))
    if not url.drivername.startswith("sqlite"):
        shown = url.render_as_string(hide_password=True)
        raise BackupError(f"store.url is {shown} ({url.get_backend_name()}): back it up with the database's own tools, "
                          "e.g. `pg_dump --format=custom --file=tunedesk.dump DBURL` and restore with "
                          "`pg_restore --clean --if-exists --dbname=DBURL tunedesk.dump`")
    if not url.database or url.database == ":memory:":
        raise BackupError("store.url is an in-memory SQLite database: there is nothing on disk to back up")
    return Path(url.database)


def backup_store(ws: Workspace, out: Path | None = None) -> BackupSummary:
    """Copy the store, consistently even while the server writes, to `out` (default backups/<name>-<UTC time>.db)
    and check the copy."""
    db = sqlite_path(ws)
    if not db.is_file():
        raise BackupError(f"no store at {db}: nothing to back up yet (run `tunedesk ingest -w {ws.root}` first)")
    target = out or _new_backup_path(ws.output_dir(BACKUP_DIR), db.stem)
    if target.exists():
        raise BackupError(f"{target} already exists: choose another --out (a backup never overwrites one)")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    _copy(db, partial)
    counts = check_backup(partial)
    os.replace(partial, target)
    return BackupSummary("backup", target, db, counts, target.stat().st_size)


def restore_store(ws: Workspace, backup: str | Path) -> BackupSummary:
    """Replace the store with a checked backup (`latest`: the newest in backups/); the replaced store and its WAL
    files are kept beside it, renamed, never deleted."""
    source = latest_backup(ws) if str(backup) == "latest" else Path(backup)
    if not source.is_file():
        raise BackupError(f"backup {source} not found (`tunedesk backup -w {ws.root}` writes one)")
    counts = check_backup(source)
    db = sqlite_path(ws)
    db.parent.mkdir(parents=True, exist_ok=True)
    restoring = db.with_name(db.name + ".restoring")
    _copy(source, restoring)
    kept = _set_aside(db)
    os.replace(restoring, db)
    open_store(str(db_url(db)), ws.root).close()  # brings an older backup's schema up to date, or fails loudly
    return BackupSummary("restore", source, db, counts, db.stat().st_size, kept)


def latest_backup(ws: Workspace) -> Path:
    """The newest backup in the workspace's backups folder."""
    found = sorted((ws.root / BACKUP_DIR).glob("*.db"), key=lambda p: (p.stat().st_mtime, p.name))
    if not found:
        raise BackupError(f"no backup in {ws.root / BACKUP_DIR} (`tunedesk backup -w {ws.root}` writes one)")
    return found[-1]


def check_backup(path: Path) -> dict[str, int]:
    """Row counts of a backup that passes SQLite's integrity check and holds the store's tables; else BackupError."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            verdict = conn.execute("PRAGMA integrity_check").fetchone()
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            missing = [name for name in ("alembic_version", *COUNTED) if name not in tables]
            counts = {} if missing else {name: int(conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0])
                                          for name in COUNTED}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a readable SQLite database: {exc}") from None
    if verdict is None or verdict[0] != "ok":
        raise BackupError(f"{path} fails SQLite's integrity check: {verdict[0] if verdict else 'no answer'}")
    if missing:
        raise BackupError(f"{path} is not a tunedesk store: tables {', '.join(missing)} are missing")
    return counts


def db_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"


def _copy(source: Path, target: Path) -> None:
    """SQLite's online backup of `source` into a fresh single-file database at `target`."""
    for stale in (target, *(target.with_name(target.name + s) for s in SIDECARS)):
        stale.unlink(missing_ok=True)
    try:
        src, dst = sqlite3.connect(str(source)), sqlite3.connect(str(target))
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        finally:
            src.close()
            dst.close()
    except sqlite3.DatabaseError as exc:
        target.unlink(missing_ok=True)
        raise BackupError(f"cannot copy {source}: {exc}") from None


def _set_aside(db: Path) -> list[Path]:
    """Rename the store and its WAL files to <name>.replaced-<UTC time>; returns the new names."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    while any(db.with_name(f"{db.name}.replaced-{stamp}{s}").exists() for s in ("", *SIDECARS)):
        stamp += "-1"  # two restores within a second: never overwrite what the first one kept
    kept = []
    for suffix in ("", *SIDECARS):
        path = db.with_name(db.name + suffix)
        if path.exists():
            moved = path.with_name(f"{db.name}.replaced-{stamp}{suffix}")
            os.replace(path, moved)
            kept.append(moved)
    return kept


def _new_backup_path(folder: Path, stem: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    path, n = folder / f"{stem}-{stamp}.db", 1
    while path.exists():
        n += 1
        path = folder / f"{stem}-{stamp}-{n}.db"
    return path
