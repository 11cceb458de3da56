"""Failures the command line turns into one line and a documented exit status (CONTRACT §5)."""

from __future__ import annotations

EXIT_OK = 0
EXIT_PIPELINE = 1
EXIT_USAGE = 2
EXIT_DATA_QUALITY = 3


class KamError(Exception):
    """A failure with a one-line message for the user and an exit status."""

    exit_code = EXIT_PIPELINE

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class PipelineError(KamError):
    """A step of the pipeline failed (exit 1)."""

    exit_code = EXIT_PIPELINE


class UsageError(KamError):
    """The command was called wrongly: bad option, unknown profile, missing folder (exit 2)."""

    exit_code = EXIT_USAGE


class DataQualityError(KamError):
    """Blocking data-quality failure: nothing is published for the month (exit 3)."""

    exit_code = EXIT_DATA_QUALITY
