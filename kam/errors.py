"""Failures the command line turns into one line and a documented exit status (README.md)."""

from __future__ import annotations

import logging
from collections.abc import Callable

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


def without_expected_tracebacks(factory: Callable[..., logging.LogRecord]):
    """Wrap a log-record factory so records of a KamError carry no traceback.

    Prefect logs a failed task or flow with its traceback; for a failure kam anticipated,
    the one-line message already names the file, row and column, and the rest is noise.
    Unexpected errors keep their tracebacks.
    """

    def make_record(*args, **kwargs) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        if record.exc_info and isinstance(record.exc_info[1], KamError):
            record.exc_info = None
            record.exc_text = None
        return record

    return make_record


class PipelineError(KamError):
    """A step of the pipeline failed (exit 1)."""

    exit_code = EXIT_PIPELINE


class TransientError(PipelineError):
    """A step failed in a way another attempt may fix: a refused connection, a server's
    "try again later" (exit 1 once the retries are spent). The flow's tasks retry these; the
    class survives the pickling of a task's failure, which drops an exception's cause."""


class UsageError(KamError):
    """The command was called wrongly: bad option, unknown profile, missing folder (exit 2)."""

    exit_code = EXIT_USAGE


class DataQualityError(KamError):
    """Blocking data-quality failure: nothing is published for the month (exit 3)."""

    exit_code = EXIT_DATA_QUALITY
