"""HTML extractor: visible text through the standard library's parser, <title> as the title."""

from __future__ import annotations

import codecs
import re
from html.parser import HTMLParser
from pathlib import Path

from finder.core.extract.encoding import decode_text
from finder.core.types import Document

_SKIP = frozenset({"script", "style", "noscript", "template"})
# Tags that end a line, and (_PARAGRAPH) those that also leave a blank line.
_BLOCK = frozenset({
    "address", "aside", "br", "caption", "dd", "details", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "footer", "form", "header", "hr", "li", "main", "nav", "summary",
    "tr", "option", "body",
})
_PARAGRAPH = frozenset({
    "article", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "ol", "p", "pre", "section",
    "table", "ul",
})
_LINE_MARK, _PARA_MARK = "\x1e", "\x1d"  # placeholders, turned into newlines by _tidy
_CELL = frozenset({"td", "th"})
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_SPACES = re.compile(r"[ \t\f\v\r\n\u00a0]+")
_BREAKS = re.compile(r"[ \x1d\x1e]*[\x1d\x1e][ \x1d\x1e]*")
_PRE_LINE_SPACES = re.compile(r" +\n")
_BLANK_LINES = re.compile(r"\n{3,}")


class _TextParser(HTMLParser):
    """Collects visible text; blocks become line breaks, <pre> keeps its spacing."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title_parts: list[str] = []
        self.skip_depth = 0
        self.pre_depth = 0
        self.in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        elif tag in _SKIP:
            self.skip_depth += 1
        if tag == "pre":
            self.pre_depth += 1
        self._break(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._break(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag in _SKIP and self.skip_depth:
            self.skip_depth -= 1
        if tag == "pre" and self.pre_depth:
            self.pre_depth -= 1
        self._break(tag)

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title_parts.append(data)
        elif not self.skip_depth:
            data = data.replace(_LINE_MARK, " ").replace(_PARA_MARK, " ")
            self.parts.append(data if self.pre_depth else _SPACES.sub(" ", data))

    def _break(self, tag: str) -> None:
        if tag in _PARAGRAPH:
            self.parts.append(_PARA_MARK)
        elif tag in _BLOCK:
            self.parts.append(_LINE_MARK)
        elif tag in _CELL:
            self.parts.append(" ")


class HtmlExtractor:
    """HTML and XHTML pages."""

    name = "html"
    kind = "html"

    def __init__(self, suffixes: frozenset[str]) -> None:
        self.suffixes = suffixes

    def extract(self, path: Path, data: bytes) -> Document:
        text, encoding = _decode_html(data)
        parser = _TextParser()
        parser.feed(text)
        parser.close()
        title = _SPACES.sub(" ", "".join(parser.title_parts)).strip() or None
        body = _tidy("".join(parser.parts))
        if title and not body.startswith(title):
            body = f"{title}\n\n{body}" if body else title
        return Document(path=path, text=body, extractor=self.name, encoding=encoding, title=title)


def _decode_html(data: bytes) -> tuple[str, str]:
    """Honour a <meta charset> near the top unless a BOM says otherwise."""
    found = _META_CHARSET.search(data[:4096])
    if found and not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            codec = codecs.lookup(found.group(1).decode("ascii")).name
        except LookupError:
            codec = ""
        # A page we could read the ASCII meta tag of cannot really be UTF-16.
        if codec and not codec.startswith("utf-16"):
            if codec in ("iso8859-1", "ascii"):
                codec = "cp1252"  # what browsers do
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:  # the page lies about its charset: detect it instead
                return decode_text(data)
            return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", ""), codec
    return decode_text(data)


def _tidy(text: str) -> str:
    """Turn runs of block marks into one line break, or a blank line if a paragraph ended there."""
    text = _BREAKS.sub(lambda m: "\n\n" if _PARA_MARK in m.group() else "\n", text)
    text = _PRE_LINE_SPACES.sub("\n", text)
    return _BLANK_LINES.sub("\n\n", text).strip()
