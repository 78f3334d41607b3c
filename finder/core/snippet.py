"""Snippets: the part of a passage that best shows why it matched, with highlighted spans."""

from __future__ import annotations

import bisect
import re
from functools import lru_cache

from finder.core.tokens import CJK_CHAR

SNIPPET_CHARS = 240
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=256)
def terms_pattern(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    """One regex for all highlight terms: CJK terms literally, words with inflections (process → processes)."""
    parts = []
    for term in sorted(set(terms), key=len, reverse=True):
        if not term:
            continue
        if CJK_CHAR.search(term):
            parts.append(re.escape(term))
        else:
            parts.append(r"\b" + re.escape(term[: max(3, len(term) - 2)]) + r"\w*")
    return re.compile("|".join(parts)) if parts else None


def make_snippet(text: str, terms: list[str] | tuple[str, ...],
                 width: int = SNIPPET_CHARS) -> tuple[str, list[tuple[int, int]]]:
    """A window of ``text`` around the densest cluster of ``terms`` and the spans to highlight."""
    flat = _SPACES.sub(" ", text).strip()
    lower = flat.lower()
    pattern = terms_pattern(tuple(terms))
    spans: list[tuple[int, int]] = []
    if pattern is not None and len(lower) == len(flat):
        spans = [m.span() for m in pattern.finditer(lower)]
    if len(flat) <= width:
        return flat, spans
    start = 0
    if spans:
        starts = [a for a, _b in spans]
        best, best_count = starts[0], 0
        for i, a in enumerate(starts):
            count = bisect.bisect_left(starts, a + int(width * 0.8)) - i
            if count > best_count:
                best, best_count = a, count
        start = max(0, best - width // 5)
        space = flat.rfind(" ", max(0, start - 20), start)
        if space != -1:
            start = space + 1
    end = min(len(flat), start + width)
    if end < len(flat):
        space = flat.rfind(" ", end - 30, end)
        if space > start:
            end = space
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(flat) else ""
    snippet = prefix + flat[start:end] + suffix
    shift = len(prefix) - start
    out = [(a + shift, min(b, end) + shift) for a, b in spans if start <= a < end]
    return snippet, out
