"""Preflight validation of training files: `run` checks a file against the target model's chat template,
`print_report` shows what it found."""

from tunedesk.validate.console import print_report
from tunedesk.validate.issues import ISSUE_CAP, SEVERITY, Issue, ValidationReport
from tunedesk.validate.stage import run

__all__ = ["ISSUE_CAP", "SEVERITY", "Issue", "ValidationReport", "print_report", "run"]
