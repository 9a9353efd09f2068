"""The workspace's runbook (`tunedesk runbook`) and the store's backup and restore (`tunedesk backup` / `restore`)."""

from tunedesk.runbook.backup import BackupError, BackupSummary, backup_store, restore_store
from tunedesk.runbook.stage import RunbookSummary, write_runbook

__all__ = ["BackupError", "BackupSummary", "RunbookSummary", "backup_store", "restore_store", "write_runbook"]
