"""Exports of results to other tools: ``gclab trace`` (a run as Chrome trace-event JSON, for
Perfetto) and ``gclab export`` (a sweep's tables as Parquet or CSV, for pandas, polars and
DuckDB). Both read only what ``gclab run`` and ``gclab sweep`` wrote."""
