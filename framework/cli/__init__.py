"""The command line (``gclab``): the parser and the commands without a package of their own
(``main``), what it shows (``console``), how it answers bad input (``usage``), and
``gclab report``/``plot``/``gctrace`` (``report_commands``). Commands that belong to a
subsystem live with it (``sweep.command``, ``checking.command``, ``calibrate.command``,
``export.command``) and are wired in ``main.build_parser``."""

from framework.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
