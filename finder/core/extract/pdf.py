"""PDF extractor on pypdfium2: text per page, pages joined by a blank line, spans recorded."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from finder.core.errors import ExtractError
from finder.core.types import Document, Page

if TYPE_CHECKING:
    from pypdfium2 import PdfDocument

# PDFium is not thread-safe, not even across documents: every call goes through this lock, and
# documents are closed inside it (never left to a finalizer on another thread).
PDFIUM_LOCK = threading.Lock()
PAGE_SEPARATOR = "\n\n"

# FPDF_GetLastError codes → what we tell the user.
_LOAD_ERRORS = {
    2: "damaged PDF: the file cannot be opened",
    3: "damaged PDF: not a PDF file or corrupted",
    4: "PDF is password-protected",
    5: "PDF uses an unsupported security scheme",
    6: "damaged PDF: page not found or content error",
}


class PdfExtractor:
    """PDF documents (text layer only; scanned pages give no text)."""

    name = "pdf"
    kind = "pdf"

    def __init__(self, suffixes: frozenset[str]) -> None:
        self.suffixes = suffixes

    def extract(self, path: Path, data: bytes) -> Document:
        texts, title = _read_pdf(data)
        parts: list[str] = []
        pages: list[Page] = []
        offset = 0
        for number, text in enumerate(texts, start=1):
            if number > 1:
                parts.append(PAGE_SEPARATOR)
                offset += len(PAGE_SEPARATOR)
            parts.append(text)
            pages.append(Page(number, offset, offset + len(text)))
            offset += len(text)
        text = "".join(parts)
        return Document(path=path, text=text, extractor=self.name, pages=pages, title=title)


def _read_pdf(data: bytes) -> tuple[list[str], str | None]:
    """Page texts and the metadata title; raises ExtractError for damaged or locked files."""
    import pypdfium2 as pdfium

    if b"%PDF" not in data[:1024]:
        raise ExtractError("damaged PDF: no PDF header")
    with PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            code = getattr(exc, "err_code", None)
            reason = _LOAD_ERRORS.get(code) if isinstance(code, int) else None
            raise ExtractError(reason or f"damaged PDF: {exc}") from None
        try:
            count = len(pdf)
            if count == 0:
                raise ExtractError("damaged PDF: no pages")
            texts = [_page_text(pdf, index) for index in range(count)]
            title = _title(pdf)
        finally:
            pdf.close()
    return texts, title


def _page_text(pdf: PdfDocument, index: int) -> str:
    """One page's text, or "" when that page alone is broken."""
    import pypdfium2 as pdfium

    try:
        page = pdf.get_page(index)
    except pdfium.PdfiumError:
        return ""
    try:
        textpage = page.get_textpage()
        try:
            text: str = textpage.get_text_range()
        finally:
            textpage.close()
    except pdfium.PdfiumError:
        return ""
    finally:
        page.close()
    return _clean(text)


def _clean(text: str) -> str:
    """PDFium ends lines with CRLF and marks soft hyphens with U+0002 or U+FFFE."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    for junk in ("\x00", "\x02", "\ufffe", "\uffff"):
        if junk in text:
            text = text.replace(junk, "")
    return text.strip()


def _title(pdf: PdfDocument) -> str | None:
    try:
        meta = pdf.get_metadata_dict()
    except Exception:  # a broken Info dictionary must not lose the text
        return None
    title = str(meta.get("Title") or "").strip()
    return title or None
