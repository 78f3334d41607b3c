"""Snippets: the part of a passage that best shows why it matched, with highlighted spans."""

from __future__ import annotations

import re

from finder.core.tokens import CJK_CHAR

SNIPPET_CHARS = 240


def _positions(text_lower: str, terms: list[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for term in terms:
        if not term:
            continue
        if CJK_CHAR.search(term):
            pattern = re.escape(term)
        else:  # whole words, allowing inflections after the stem (process → processes)
            pattern = r"\b" + re.escape(term[: max(3, len(term) - 2)]) + r"\w*"
        for m in re.finditer(pattern, text_lower):
            spans.append((m.start(), m.end()))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def make_snippet(text: str, terms: list[str], width: int = SNIPPET_CHARS) -> tuple[str, list[tuple[int, int]]]:
    """A window of ``text`` around the densest cluster of ``terms`` and the spans to highlight."""
    flat = re.sub(r"\s+", " ", text).strip()
    lower = flat.lower()
    spans = _positions(lower, terms) if len(lower) == len(flat) else []
    if len(flat) <= width:
        return flat, spans
    start = 0
    if spans:
        best, best_count = spans[0][0], 0
        for a, _b in spans:
            count = sum(1 for x, _y in spans if a <= x < a + width * 0.8)
            if count > best_count:
                best, best_count = a, count
        start = max(0, best - width // 5)
        space = flat.rfind(" ", max(0, start - 20), start)
        if space != -1 and start - space < 20:
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
    out = [(a + shift, min(b, end) + shift) for a, b in spans if a >= start and a < end]
    return snippet, out
