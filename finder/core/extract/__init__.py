"""Extraction: one file on disk → a Document, or a precise reason why not.

    extract(path)      read safely, pick the extractor by name, decode, return a Document
    is_supported(path) whether we have an extractor for this name (no disk access)
    kind_of(path)      "text" "markdown" "code" "pdf" "html" "rst" "data", or "other"

Every failure for a bad file is an ExtractError: SkippedFile (not indexed on purpose),
FileChanged (vanished or changed while read; retry later) or ExtractError itself (failed).
"""

from __future__ import annotations

from pathlib import Path

from finder.core.errors import ExtractError, FileChanged, SkippedFile
from finder.core.extract.base import KINDS, Extractor
from finder.core.extract.reader import human_size, read_file
from finder.core.extract.registry import (
    EXTRACTORS,
    FILENAMES,
    REGISTRY,
    SUPPORTED_SUFFIXES,
    extractor_for,
)
from finder.core.types import Document

DEFAULT_MAX_BYTES = 100 * 2**20

__all__ = [
    "DEFAULT_MAX_BYTES", "EXTRACTORS", "FILENAMES", "KINDS", "REGISTRY", "SUPPORTED_SUFFIXES",
    "ExtractError", "Extractor", "FileChanged", "SkippedFile", "extract", "extractor_for",
    "human_size", "is_supported", "kind_of",
]


def is_supported(path: Path) -> bool:
    """Whether some extractor reads files with this name (by suffix or well-known name)."""
    return extractor_for(Path(path)) is not None


def kind_of(path: Path) -> str:
    """The kind the GUI filters on, or "other" for a file we do not read."""
    extractor = extractor_for(Path(path))
    return extractor.kind if extractor is not None else "other"


def extract(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Read ``path`` and return its text as a Document.

    Raises SkippedFile, FileChanged or ExtractError (with a one-sentence ``reason``) and
    nothing else for a bad file.
    """
    path = Path(path)
    extractor = extractor_for(path)
    if extractor is None:
        suffix = path.suffix.lower()
        raise SkippedFile(f"unsupported file type ({suffix})" if suffix else "unsupported type")
    try:
        data = read_file(path, max_bytes)
        return extractor.extract(path, data)
    except ExtractError:
        raise
    except MemoryError:
        raise ExtractError("not enough memory to read the file") from None
    except RecursionError:
        raise ExtractError("file is too deeply nested to read") from None
    except Exception as exc:  # the boundary: a bad file must never crash indexing
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ExtractError(f"cannot extract text: {message}") from exc
