"""Chunking offsets and CJK-aware lexical terms."""

from __future__ import annotations

from pathlib import Path

from finder.core.chunk import chunk_document, chunk_text, weight
from finder.core.snippet import make_snippet
from finder.core.tokens import highlight_terms, index_text, query_terms
from finder.core.types import Document, Page


def test_chunks_keep_paragraphs_and_offsets() -> None:
    paras = [f"Paragraph {i} " + "word " * 40 for i in range(20)]
    text = "\n\n".join(paras)
    spans = chunk_text(text, size=800, overlap=120)
    assert len(spans) > 3
    for a, b in spans:
        piece = text[a:b]
        assert weight(piece) <= 800 + 5
        # Chunks start at a paragraph, or (the overlap) at a word boundary inside one.
        assert piece.startswith("Paragraph") or text[a - 1] == " "
    # Consecutive chunks overlap a little and together cover the text.
    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    assert all(spans[i + 1][0] < spans[i][1] for i in range(len(spans) - 1))


def test_cjk_counts_by_character() -> None:
    text = "检查并修复文件系统的错误。" * 200
    spans = chunk_text(text, size=800, overlap=120)
    # A CJK character weighs 3: a chunk holds at most ~266 of them.
    assert all(b - a <= 800 // 3 + 20 for a, b in spans)
    assert spans[-1][1] == len(text)


def test_long_line_without_breaks_is_split() -> None:
    text = "x" * 5000
    spans = chunk_text(text, size=800, overlap=0)
    assert sum(b - a for a, b in spans) == 5000


def test_pdf_pages_never_share_a_chunk() -> None:
    text = "first page text\n\nsecond page text"
    doc = Document(Path("a.pdf"), text, "pdf", [Page(1, 0, 15), Page(2, 17, len(text))])
    chunks = chunk_document(doc)
    assert [(c.page, c.text) for c in chunks] == [(1, "first page text"), (2, "second page text")]
    assert all(text[c.start:c.end] == c.text for c in chunks)


def test_query_terms_drop_stop_words_and_bigram_chinese() -> None:
    assert query_terms("create a new child process that is a copy of the caller") == [
        "create", "new", "child", "process", "copy", "caller"]
    terms = query_terms("对硬盘进行分区")
    assert "硬盘" in terms and "分区" in terms and "进行" not in terms
    assert query_terms("the") == ["the"]  # only stop words: keep them
    assert index_text("系统管理 Admin") == " 系统 统管 管理  admin"
    assert query_terms("ＦＵＬＬ width") == ["full", "width"]


def test_snippet_highlights_terms() -> None:
    text = "Intro. " + "filler " * 80 + "The banana bread needs ripe bananas. " + "more " * 80
    snippet, spans = make_snippet(text, highlight_terms("banana bread"))
    assert "banana bread" in snippet
    words = {snippet[a:b].lower() for a, b in spans}
    assert {"banana", "bread", "bananas"} <= words
    zh, zspans = make_snippet("使用 fdisk 对硬盘进行分区", highlight_terms("硬盘分区"))
    assert {zh[a:b] for a, b in zspans} >= {"硬盘"}
