"""Trace input and output: a run folder's files (``output``), Go's ``GODEBUG=gctrace=1``
format out (``gctrace``) and in (``gctrace_import``). Exports for other tools (Perfetto,
Parquet) are in ``framework.export``."""
