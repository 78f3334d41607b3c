"""The Extractor protocol: turns the bytes of one file into a Document."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from finder.core.types import Document

# The kinds the GUI filters on; every extractor belongs to one.
KINDS = ("text", "markdown", "code", "pdf", "html", "rst", "data")


class Extractor(Protocol):
    """Makes a Document from a file's bytes; raises ExtractError (or a subclass) on bad input."""

    name: str
    kind: str
    suffixes: frozenset[str]

    def extract(self, path: Path, data: bytes) -> Document: ...
