"""Bad input on the command line: one message format and one exit status.

Rule: every ``gclab`` subcommand reports bad input (a config, an argument) through
``usage_error`` before writing anything, so users and scripts always see
``gclab: <what, naming the key>`` on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import sys

from framework.config import Config, ConfigError, load_config

USAGE = 2  # exit status for bad input


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
