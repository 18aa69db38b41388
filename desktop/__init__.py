"""Sitmap: a desktop situation map for incident commanders."""

__version__ = "0.1.0"
