"""Extractors for plain text, source code, data files, reST and Markdown."""

from __future__ import annotations

import re
from pathlib import Path

from finder.core.extract.encoding import decode_text
from finder.core.types import Document

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_FRONT_TITLE = re.compile(r"^title:[ \t]*(.+?)[ \t]*$", re.MULTILINE)
_ATX_HEADING = re.compile(r"^#[ \t]+(.+?)[ \t#]*$", re.MULTILINE)


class TextExtractor:
    """Any text-like file: decoded as it is, encoding detected."""

    def __init__(self, name: str, kind: str, suffixes: frozenset[str]) -> None:
        self.name = name
        self.kind = kind
        self.suffixes = suffixes

    def extract(self, path: Path, data: bytes) -> Document:
        text, encoding = decode_text(data)
        return Document(path=path, text=text, extractor=self.name, encoding=encoding)


class MarkdownExtractor(TextExtractor):
    """Markdown: the text as written; the title from front matter or the first '# ' heading."""

    def __init__(self, suffixes: frozenset[str]) -> None:
        super().__init__("markdown", "markdown", suffixes)

    def extract(self, path: Path, data: bytes) -> Document:
        doc = super().extract(path, data)
        doc.title = markdown_title(doc.text)
        return doc


def markdown_title(text: str) -> str | None:
    """The document title: ``title:`` in YAML front matter, else the first level-1 heading."""
    front = _FRONT_MATTER.match(text)
    if front:
        found = _FRONT_TITLE.search(front.group(1))
        if found:
            return found.group(1).strip("'\"") or None
    heading = _ATX_HEADING.search(text, front.end() if front else 0)
    return heading.group(1) if heading else None
