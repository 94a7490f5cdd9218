"""What the command line shows: results on stdout, status on stderr, both through logging.

Rules: commands do not ``print``. What a command exists to report (a summary, a table, the
files it wrote) goes to ``out`` (stdout); status, notes and debug detail go to ``log``
(stderr). A verdict (``check``'s and ``explore``'s answer, a sweep's failed runs) is logged
at ``RESULT`` (or as a warning) and is the one thing ``-q`` keeps besides warnings and errors;
``-v`` adds debug detail; bad input is reported by ``usage.usage_error`` whatever the
verbosity. Progress bars are drawn on
stderr only when it is a terminal and ``-q`` is not given (``progress_wanted``).
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TextIO

log = logging.getLogger("gclab")
out = logging.getLogger("gclab.out")

QUIET, NORMAL, VERBOSE = -1, 0, 1
RESULT = 25  # between INFO and WARNING: a verdict, shown even with -q
logging.addLevelName(RESULT, "RESULT")


def result(msg: str, *args: object) -> None:
    """Show a verdict on stdout (kept by ``-q``)."""
    out.log(RESULT, msg, *args)


class _LiveStream(logging.StreamHandler):  # type: ignore[type-arg]
    """A handler writing to whatever ``sys.stdout``/``sys.stderr`` is at the time (so
    captured and redirected streams work, as ``print`` does)."""

    def __init__(self, name: str) -> None:
        logging.Handler.__init__(self)
        self._name = name

    @property
    def stream(self) -> TextIO:  # type: ignore[override]
        return getattr(sys, self._name)

    @stream.setter
    def stream(self, value: TextIO) -> None:  # StreamHandler.__init__/setStream
        pass

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging API)
        """A reader that went away (``gclab sweep --dry-run | head``) ends the output
        quietly; anything else is reported as logging does."""
        if isinstance(sys.exc_info()[1], BrokenPipeError):
            sys.stdout = open(os.devnull, "w")  # also silences the flush at exit
            return
        super().handleError(record)


def _install() -> None:
    if getattr(log, "_gclab_installed", False):
        return
    err = _LiveStream("stderr")
    err.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(err)
    log.propagate = False
    std = _LiveStream("stdout")
    std.setFormatter(logging.Formatter("%(message)s"))
    out.addHandler(std)
    out.propagate = False
    log._gclab_installed = True  # type: ignore[attr-defined]


_verbosity = NORMAL


def configure(verbosity: int = NORMAL) -> None:
    """Set what the command line shows: ``QUIET`` (verdicts, warnings, errors), ``NORMAL``
    or ``VERBOSE`` (debug detail too)."""
    global _verbosity
    _install()
    _verbosity = verbosity
    level = {QUIET: RESULT, VERBOSE: logging.DEBUG}.get(verbosity, logging.INFO)
    log.setLevel(level)


def progress_wanted() -> bool:
    """Whether a progress bar should be drawn: not quiet, and stderr is a terminal."""
    return _verbosity > QUIET and sys.stderr.isatty()


_install()
log.setLevel(logging.INFO)
