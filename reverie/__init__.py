"""Reverie: a local workbench for psychosocial and discourse-analytic interview research."""

__version__ = "0.1.0"
