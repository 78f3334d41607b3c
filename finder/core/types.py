"""Plain data passed between the core's stages: documents, chunks, hits and status."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Page:
    """One page of a paged document: its 1-based number and character span in the text."""

    number: int
    start: int
    end: int


@dataclass
class Document:
    """The text of one file as an extractor produced it."""

    path: Path
    text: str
    extractor: str
    pages: list[Page] = field(default_factory=list)
    encoding: str | None = None
    title: str | None = None

    @property
    def page_count(self) -> int | None:
        return len(self.pages) if self.pages else None

    def page_at(self, offset: int) -> int | None:
        """The page number holding character ``offset``, or None for unpaged text."""
        for page in self.pages:
            if page.start <= offset < page.end:
                return page.number
        return self.pages[-1].number if self.pages else None


@dataclass(frozen=True)
class Chunk:
    """A passage of a document, with its character span and page."""

    ordinal: int
    text: str
    start: int
    end: int
    page: int | None = None


@dataclass
class Passage:
    """A matching passage inside a hit: snippet text, highlighted spans in it, page."""

    chunk_id: int
    snippet: str
    highlights: list[tuple[int, int]] = field(default_factory=list)
    page: int | None = None
    score: float = 0.0
    start: int = 0
    end: int = 0


@dataclass
class Hit:
    """One file in the results, with the passages and the channels that matched."""

    path: str
    score: float
    file_id: int = 0
    passages: list[Passage] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    size: int = 0
    mtime: float = 0.0
    kind: str = ""
    duplicates: list[str] = field(default_factory=list)  # other paths with identical content

    @property
    def snippet(self) -> str:
        return self.passages[0].snippet if self.passages else ""

    @property
    def page(self) -> int | None:
        return self.passages[0].page if self.passages else None

    def to_json(self) -> dict[str, object]:
        best = self.passages[0] if self.passages else None
        return {
            "path": self.path,
            "score": round(self.score, 6),
            "snippet": self.snippet,
            "page": self.page,
            "highlights": [list(h) for h in best.highlights] if best else [],
            "channels": self.channels,
            "passages": [
                {"snippet": p.snippet, "page": p.page, "highlights": [list(h) for h in p.highlights]}
                for p in self.passages
            ],
            "size": self.size,
            "mtime": self.mtime,
            "duplicates": self.duplicates,
        }


@dataclass
class IndexStatus:
    """Counts the CLI and the GUI show about the index."""

    roots: list[str] = field(default_factory=list)
    files: int = 0
    indexed: int = 0
    pending: int = 0
    skipped: int = 0
    failed: int = 0
    chunks: int = 0
    embedded_chunks: int = 0
    model_id: str = ""
    provider: str = ""
    remote: bool = False
    endpoint: str = ""  # where text is sent when remote
    paused: bool = False
    eta_seconds: float | None = None
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # (path, status, reason)

    def to_json(self) -> dict[str, object]:
        return {
            "roots": self.roots,
            "files": self.files,
            "indexed": self.indexed,
            "pending": self.pending,
            "skipped": self.skipped,
            "failed": self.failed,
            "chunks": self.chunks,
            "embedded_chunks": self.embedded_chunks,
            "model": self.model_id,
            "provider": self.provider,
            "remote": self.remote,
            "endpoint": self.endpoint,
            "paused": self.paused,
            "eta_seconds": self.eta_seconds,
            "errors": [{"path": p, "status": s, "reason": r} for p, s, r in self.errors],
        }
