"""Figures for papers: one style (``style``), one palette (``palette``: a look per collector,
barrier, pacer and worker kind, readable in greyscale), units on every axis."""
