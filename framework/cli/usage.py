"""Bad input on the command line: one message format and one exit status.

Rules: every ``gclab`` subcommand reports bad input (a config, an argument, an output path,
an unreadable store or CSV) before writing anything, so users and scripts always see
``gclab: <what, naming the key or argument, and what is allowed>`` on stderr and exit
status 2. Readers of files users give (stores, CSVs, logs) raise ``BadInputError``; ``cli.main``
turns it into that message (the one guard). ``out_problem`` is the one check of every
``--out``, made before any work.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from framework.config import Config, ConfigError, load_config

USAGE = 2  # exit status for bad input


class BadInputError(ValueError):
    """A file or argument the user gave cannot be used; ``str()`` names it and says why."""


def usage_error(msg: str) -> int:
    """Print ``gclab: msg`` to stderr; returns the exit status to return."""
    print(f"gclab: {msg}", file=sys.stderr)
    return USAGE


def load_cli_config(args: argparse.Namespace) -> Config | None:
    """``args.config`` with the ``--set`` overrides, or None after reporting the error."""
    try:
        return load_config(args.config, args.set or [])
    except ConfigError as e:
        usage_error(str(e))
        return None


def out_problem(path: str | Path, arg: str = "--out", file: bool = False) -> str | None:
    """Why output cannot go to ``path`` (a folder, or a ``file``), or None. Checked without
    leaving a trace: the path (or its nearest existing ancestor) must be a folder (a file
    may be replaced) in which this process can create entries."""
    p = Path(path)
    if p.is_dir() if file else (p.exists() and not p.is_dir()):
        return f"{arg} {p}: " + ("is a folder; give a file name" if file else "is not a folder")
    if file and p.exists() and not os.access(p, os.W_OK):
        return f"{arg} {p}: cannot overwrite this file (permission denied)"
    folder = p.parent if file else p
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        return f"{arg} {p}: {folder} is a file, not a folder"
    try:  # the only reliable test (root, read-only mounts, /proc): create and remove
        os.rmdir(tempfile.mkdtemp(prefix=".gclab-probe-", dir=folder))
    except OSError as e:
        return f"{arg} {p}: cannot write in {folder} ({e.strerror or e})"
    return None


def positive_int(text: str) -> int:
    """An argparse type: an integer >= 1."""
    return _int_at_least(text, 1)


def non_negative_int(text: str) -> int:
    """An argparse type: an integer >= 0."""
    return _int_at_least(text, 0)


def _int_at_least(text: str, low: int) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if v < low:
        raise argparse.ArgumentTypeError(f"{v}: must be at least {low}")
    return v
