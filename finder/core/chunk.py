"""Split document text into overlapping passages that keep paragraphs together.

Sizes are measured in weighted characters: a CJK character weighs 3 (it is roughly one
model token, where English averages four or five characters per token), so a chunk holds
about the same number of tokens in any language.
"""

from __future__ import annotations

import re

from finder.core.tokens import CJK_CHAR
from finder.core.types import Chunk, Document

_PARAGRAPH = re.compile(r"\n[ \t]*\n+")
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|(?<=[。！？；])|\n")


def weight(text: str) -> int:
    return len(text) + 2 * len(CJK_CHAR.findall(text))


def _paragraph_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    pos = start
    for match in _PARAGRAPH.finditer(text, start, end):
        if match.start() > pos:
            spans.append((pos, match.start()))
        pos = match.end()
    if pos < end:
        spans.append((pos, end))
    return spans


def _split_long(text: str, start: int, end: int, budget: int) -> list[tuple[int, int]]:
    """Split a span heavier than ``budget`` at sentence ends, then hard at the budget."""
    pieces: list[tuple[int, int]] = []
    pos = start
    for match in _SENTENCE_END.finditer(text, start, end):
        cut = match.end()
        if cut > pos:
            pieces.append((pos, cut))
            pos = cut
    if pos < end:
        pieces.append((pos, end))
    out: list[tuple[int, int]] = []
    for a, b in pieces:
        while weight(text[a:b]) > budget:
            # Hard split: find the longest prefix within budget, preferring a space.
            step = budget if not CJK_CHAR.search(text, a, min(b, a + budget)) else max(budget // 3, 1)
            cut = min(b, a + step)
            space = text.rfind(" ", a + step // 2, cut)
            if space > a:
                cut = space + 1
            out.append((a, cut))
            a = cut
        if b > a:
            out.append((a, b))
    return out


def _tail(text: str, start: int, end: int, overlap: int) -> tuple[int, int, int] | None:
    """The last sentences (else words) of ``text[start:end]`` weighing at most ``overlap``."""
    lo, used = end, 0
    while lo > start:
        step = 3 if CJK_CHAR.match(text, lo - 1) else 1
        if used + step > overlap:
            break
        used += step
        lo -= 1
    if end - lo < 2:
        return None
    window = text[lo:end]
    sentence = _SENTENCE_END.search(window)
    if sentence is not None and sentence.end() < len(window):
        cut = lo + sentence.end()
    else:
        space = window.find(" ")
        if space == -1 or space + 1 >= len(window):
            return None
        cut = lo + space + 1
    return (cut, end, weight(text[cut:end]))


def chunk_span(text: str, start: int, end: int, size: int, overlap: int) -> list[tuple[int, int]]:
    """Character spans of the chunks of ``text[start:end]``."""
    pieces: list[tuple[int, int, int]] = []
    for a, b in _paragraph_spans(text, start, end):
        w = weight(text[a:b])
        if w > size:
            pieces.extend((x, y, weight(text[x:y])) for x, y in _split_long(text, a, b, size))
        else:
            pieces.append((a, b, w))
    spans: list[tuple[int, int]] = []
    current: list[tuple[int, int, int]] = []
    total = 0
    i = 0
    while i < len(pieces):
        piece = pieces[i]
        if current and total + piece[2] > size:
            spans.append((current[0][0], current[-1][1]))
            # Carry the tail of this chunk over as overlap (whole pieces only).
            carry: list[tuple[int, int, int]] = []
            carried = 0
            for prev in reversed(current[1:]):
                if carried + prev[2] > overlap:
                    break
                carry.insert(0, prev)
                carried += prev[2]
            if not carry and overlap > 0:
                tail = _tail(text, current[-1][0], current[-1][1], overlap)
                if tail is not None:
                    carry, carried = [tail], tail[2]
            current, total = carry, carried
            continue
        current.append(piece)
        total += piece[2]
        i += 1
    if current:
        spans.append((current[0][0], current[-1][1]))
    return spans


def chunk_text(text: str, size: int = 800, overlap: int = 120) -> list[tuple[int, int]]:
    return chunk_span(text, 0, len(text), size, overlap)


def chunk_document(doc: Document, size: int = 800, overlap: int = 120) -> list[Chunk]:
    """Chunks of a document with offsets and pages; pages never share a chunk."""
    regions: list[tuple[int, int, int | None]] = [(p.start, p.end, p.number) for p in doc.pages]
    regions = regions or [(0, len(doc.text), None)]
    chunks: list[Chunk] = []
    for start, end, page in regions:
        for a, b in chunk_span(doc.text, start, end, size, overlap):
            raw = doc.text[a:b]
            stripped = raw.strip()
            if not stripped:
                continue
            a += len(raw) - len(raw.lstrip())
            chunks.append(Chunk(len(chunks), stripped, a, a + len(stripped), page))
    return chunks
