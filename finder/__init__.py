"""Semantic Finder: find files by meaning, offline by default."""

__version__ = "0.1.0"
