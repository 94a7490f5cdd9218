"""Figures for papers: one style, units on every axis, a fixed colour per collector."""
