"""Files → text → chunks → lexical index: the keyword-ready half of the pipeline.

Every file is updated in one transaction, so a crash leaves each file either as it was or
fully re-indexed. Per-file problems are recorded on the file (status + reason) and never
stop the run. Embedding is the other half (``embedding.py``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from finder.core import extract as extraction
from finder.core.chunk import chunk_document
from finder.core.config import Settings
from finder.core.errors import ExtractError, FileChanged, SkippedFile
from finder.core.media import MAX_IMAGE_BYTES, image_mime
from finder.core.scan import FileEntry, scan_root
from finder.core.store import lexical
from finder.core.store.db import Catalog, display_path, fs_key, path_from_key
from finder.core.types import Document

log = logging.getLogger(__name__)

ProgressCallback = Callable[["Progress"], None]


@dataclass
class Progress:
    """What the indexer is doing, for progress bars and the status bar."""

    phase: str  # "scan", "extract", "embed", "idle"
    done: int = 0
    total: int = 0
    current: str = ""
    eta_seconds: float | None = None


@dataclass
class ScanResult:
    found: int = 0
    added: int = 0
    changed: int = 0
    removed: int = 0
    renamed: int = 0
    problems: int = 0


def text_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _is_secret(path: Path) -> bool:
    try:
        from finder.core.privacy import is_secret_path
    except ImportError:  # pragma: no cover - privacy module ships with the package
        return False
    return bool(is_secret_path(path))


def read_image(path: Path) -> tuple[Document, str]:
    """An image or scanned PDF as a document (its name is the text) and the hash of its bytes."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_IMAGE_BYTES + 1)
    except FileNotFoundError as exc:
        raise FileChanged("file vanished while being read") from exc
    except PermissionError as exc:
        raise ExtractError("permission denied") from exc
    except OSError as exc:
        raise ExtractError(f"cannot read the image: {exc.strerror}") from exc
    if len(data) > MAX_IMAGE_BYTES:
        raise SkippedFile("larger than the 20 MB the multimodal embedding service accepts")
    digest = hashlib.blake2b(data, digest_size=16).hexdigest()
    name = os.path.basename(display_path(path))
    return Document(path, name, "image", title=name), digest


class Indexer:
    """Keeps the catalog's files and chunks in step with the folders on disk."""

    def __init__(self, catalog: Catalog, settings: Settings) -> None:
        self.catalog = catalog
        self.settings = settings
        self.media = False  # True while a multimodal provider can embed image files

    def supported(self, path: Path) -> bool:
        """Files we index: documents always, images only with a multimodal provider."""
        return extraction.is_supported(path) or (self.media and image_mime(path) is not None)

    def _kind(self, path: Path) -> str:
        return "image" if image_mime(path) is not None and not extraction.is_supported(path) else \
            extraction.kind_of(path)

    # -- roots -----------------------------------------------------------------------
    def add_root(self, path: Path) -> int:
        path = Path(os.path.abspath(path))
        with self.catalog.write() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO roots(path, display, added_at) VALUES(?, ?, ?)",
                (fs_key(path), display_path(path), time.time()),
            )
            row = conn.execute("SELECT id FROM roots WHERE path=?", (fs_key(path),)).fetchone()
        return int(row[0])

    def roots(self) -> list[Path]:
        rows = self.catalog.reader().execute("SELECT path FROM roots ORDER BY id").fetchall()
        return [path_from_key(r[0]) for r in rows]

    def forget(self, path: Path) -> int:
        """Remove a root (or any file or folder) and everything indexed under it."""
        path = Path(os.path.abspath(path))
        key = fs_key(path)
        with self.catalog.write() as conn:
            ids = [r[0] for r in conn.execute(
                "SELECT id FROM files WHERE path=? OR (path>=? AND path<?)", (key, key + b"/", key + b"0")
            )]
            self._delete_files(conn, ids)
            conn.execute("DELETE FROM roots WHERE path=? OR (path>=? AND path<?)", (key, key + b"/", key + b"0"))
        return len(ids)

    def _root_for(self, conn: sqlite3.Connection, path: Path) -> int | None:
        key = fs_key(path)
        best: tuple[int, int] | None = None
        for rid, rkey in conn.execute("SELECT id, path FROM roots"):
            if key == rkey or key.startswith(rkey.rstrip(b"/") + b"/"):
                if best is None or len(rkey) > best[1]:
                    best = (rid, len(rkey))
        return best[0] if best else None

    # -- scanning / reconciliation -------------------------------------------------------
    def scan(self, roots: Sequence[Path] | None = None, cancel: threading.Event | None = None,
             on_progress: ProgressCallback | None = None) -> ScanResult:
        """Reconcile the catalog with the disk: new, changed, renamed and deleted files.

        Cheap when nothing changed: size, mtime and inode are compared; content is read later
        only for files marked pending.
        """
        result = ScanResult()
        for root in roots or self.roots():
            if cancel is not None and cancel.is_set():
                break
            self._scan_one(Path(os.path.abspath(root)), result, cancel, on_progress)
        return result

    def _scan_one(self, root: Path, result: ScanResult, cancel: threading.Event | None,
                  on_progress: ProgressCallback | None) -> None:
        problems: dict[bytes, str] = {}

        def on_error(path: Path, reason: str) -> None:
            problems[fs_key(path)] = reason

        found: dict[bytes, FileEntry] = {}
        if root.is_file():
            st = root.stat()
            found[fs_key(root)] = FileEntry(root, st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev)
        elif root.is_dir():
            for entry in scan_root(root, self.settings, on_error=on_error,
                                   is_supported=self.supported, cancel=cancel):
                found[fs_key(entry.path)] = entry
                if on_progress and len(found) % 500 == 0:
                    on_progress(Progress("scan", len(found), 0, display_path(entry.path)))
        else:
            log.warning("watched folder %s is missing; keeping its index until it returns", root)
            return
        if cancel is not None and cancel.is_set():
            return  # never delete on a partial walk
        result.found += len(found)
        key = fs_key(root)
        conn = self.catalog.reader()
        known = {
            r[0]: r[1:]
            for r in conn.execute(
                "SELECT path, id, size, mtime_ns, inode, dev, status FROM files "
                "WHERE path=? OR (path>=? AND path<?)", (key, key.rstrip(b"/") + b"/", key.rstrip(b"/") + b"0")
            )
        }
        missing = {k: v for k, v in known.items() if k not in found and k not in problems}
        by_inode = {(v[4], v[3], v[1]): k for k, v in missing.items()}  # (dev, inode, size) → old path
        with self.catalog.write() as w:
            root_id = self._root_for(w, root)
            for pkey, entry in found.items():
                old = known.get(pkey)
                if old is None:
                    moved_from = by_inode.pop((entry.dev, entry.inode, entry.size), None)
                    if moved_from is not None:
                        self._rename_file(w, moved_from, entry.path)
                        prev = missing.pop(moved_from, None)
                        result.renamed += 1
                        if prev is not None and prev[2] != entry.mtime_ns:
                            # Renamed and edited (or a new file reusing the inode): read it again;
                            # unchanged passages keep their vectors.
                            w.execute(
                                "UPDATE files SET status='pending', size=?, mtime_ns=?, inode=?, dev=? WHERE id=?",
                                (entry.size, entry.mtime_ns, entry.inode, entry.dev, prev[0]),
                            )
                            result.changed += 1
                        continue
                    self._insert_pending(w, root_id, entry)
                    result.added += 1
                elif (old[1], old[2], old[3]) != (entry.size, entry.mtime_ns, entry.inode) or old[5] == "changed":
                    w.execute(
                        "UPDATE files SET status='pending', size=?, mtime_ns=?, inode=?, dev=? WHERE id=?",
                        (entry.size, entry.mtime_ns, entry.inode, entry.dev, old[0]),
                    )
                    result.changed += 1
            for pkey, reason in problems.items():
                self._record_problem(w, root_id, pkey, reason)
                result.problems += 1
            if missing:
                self._delete_files(w, [v[0] for v in missing.values()])
                result.removed += len(missing)

    def _insert_pending(self, conn: sqlite3.Connection, root_id: int | None, entry: FileEntry) -> int:
        display = display_path(entry.path)
        cur = conn.execute(
            "INSERT INTO files(root_id, path, display, name, kind, size, mtime_ns, inode, dev, status, private) "
            "VALUES(?,?,?,?,?,?,?,?,?, 'pending', ?) "
            "ON CONFLICT(path) DO UPDATE SET status='pending', size=excluded.size, mtime_ns=excluded.mtime_ns, "
            "inode=excluded.inode, dev=excluded.dev RETURNING id",
            (root_id, fs_key(entry.path), display, os.path.basename(display), self._kind(entry.path),
             entry.size, entry.mtime_ns, entry.inode, entry.dev, int(_is_secret(entry.path))),
        )
        file_id = int(cur.fetchone()[0])
        lexical.set_name(conn, file_id, display)
        return file_id

    def _record_problem(self, conn: sqlite3.Connection, root_id: int | None, pkey: bytes, reason: str) -> None:
        display = display_path(pkey)
        cur = conn.execute(
            "INSERT INTO files(root_id, path, display, name, status, error) VALUES(?,?,?,?, 'skipped', ?) "
            "ON CONFLICT(path) DO UPDATE SET status='skipped', error=excluded.error RETURNING id",
            (root_id, pkey, display, os.path.basename(display), reason),
        )
        file_id = int(cur.fetchone()[0])
        self._delete_chunks(conn, file_id)
        lexical.delete_name(conn, file_id)

    def _delete_chunks(self, conn: sqlite3.Connection, file_id: int) -> None:
        lexical.delete_body(conn, file_id)
        ids = [r[0] for r in conn.execute("SELECT id FROM chunks WHERE file_id=?", (file_id,))]
        if ids:
            lexical.delete_chunks(conn, ids)
            conn.execute("DELETE FROM chunks WHERE file_id=?", (file_id,))

    def _delete_files(self, conn: sqlite3.Connection, file_ids: Iterable[int]) -> None:
        for file_id in file_ids:
            self._delete_chunks(conn, file_id)
            lexical.delete_name(conn, file_id)
            conn.execute("DELETE FROM files WHERE id=?", (file_id,))

    def _rename_file(self, conn: sqlite3.Connection, old_key: bytes, new_path: Path) -> None:
        display = display_path(new_path)
        row = conn.execute("SELECT id FROM files WHERE path=?", (old_key,)).fetchone()
        if row is None:
            return
        conn.execute("DELETE FROM files WHERE path=? AND id<>?", (fs_key(new_path), row[0]))
        conn.execute(
            "UPDATE files SET path=?, display=?, name=?, root_id=COALESCE(?, root_id) WHERE id=?",
            (fs_key(new_path), display, os.path.basename(display), self._root_for(conn, new_path), row[0]),
        )
        lexical.set_name(conn, row[0], display)

    # -- live changes --------------------------------------------------------------------
    def move(self, src: Path, dest: Path) -> int:
        """A file or folder was renamed or moved: update paths in place, embed nothing."""
        skey, dkey = fs_key(os.path.abspath(src)), fs_key(os.path.abspath(dest))
        moved = 0
        with self.catalog.write() as conn:
            rows = conn.execute(
                "SELECT path FROM files WHERE path=? OR (path>=? AND path<?)", (skey, skey + b"/", skey + b"0")
            ).fetchall()
            for (old,) in rows:
                new = dkey + old[len(skey):]
                self._rename_file(conn, old, path_from_key(new))
                moved += 1
        return moved

    def remove(self, path: Path) -> int:
        key = fs_key(os.path.abspath(path))
        with self.catalog.write() as conn:
            ids = [r[0] for r in conn.execute(
                "SELECT id FROM files WHERE path=? OR (path>=? AND path<?)", (key, key + b"/", key + b"0"))]
            self._delete_files(conn, ids)
        return len(ids)

    def mark_pending(self, paths: Iterable[Path]) -> int:
        """Queue files (new or changed) for extraction; paths outside every root are ignored."""
        count = 0
        with self.catalog.write() as conn:
            for path in paths:
                path = Path(os.path.abspath(path))
                root_id = self._root_for(conn, path)
                if root_id is None:
                    continue
                try:
                    st = path.stat()
                except OSError:
                    ids = [r[0] for r in conn.execute("SELECT id FROM files WHERE path=?", (fs_key(path),))]
                    self._delete_files(conn, ids)
                    continue
                if not self.supported(path):
                    continue
                self._insert_pending(conn, root_id, FileEntry(path, st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev))
                count += 1
        return count

    # -- extraction ----------------------------------------------------------------------
    def pending_count(self) -> int:
        return int(self.catalog.reader().execute("SELECT COUNT(*) FROM files WHERE status='pending'").fetchone()[0])

    def process_pending(self, cancel: threading.Event | None = None,
                        on_progress: ProgressCallback | None = None,
                        on_file: Callable[[int], None] | None = None) -> int:
        """Extract, chunk and lexically index every pending file; returns files done."""
        conn = self.catalog.reader()
        total = self.pending_count()
        done = 0
        started = time.monotonic()
        while True:
            rows = conn.execute(
                "SELECT id, path FROM files WHERE status='pending' ORDER BY mtime_ns DESC LIMIT 256"
            ).fetchall()
            if not rows:
                break
            for file_id, key in rows:
                if cancel is not None and cancel.is_set():
                    return done
                self.index_file(file_id, path_from_key(key))
                done += 1
                if on_file:
                    on_file(file_id)
                if on_progress:
                    rate = done / max(time.monotonic() - started, 1e-6)
                    on_progress(Progress("extract", done, max(total, done), display_path(key),
                                         (total - done) / rate if rate else None))
        return done

    def index_file(self, file_id: int, path: Path) -> str:
        """Extract one file and replace its chunks in one transaction; returns its status."""
        max_bytes = int(self.settings.max_file_mb * 2**20)
        try:
            st = path.stat()
        except OSError:
            with self.catalog.write() as conn:
                self._delete_files(conn, [file_id])
            return "deleted"
        mime = image_mime(path) if not extraction.is_supported(path) else None
        try:
            if mime:
                doc, digest = read_image(path)
            else:
                doc = extraction.extract(path, max_bytes=max_bytes)
                digest = text_hash(doc.text)
                if self.media and doc.extractor == "pdf" and not doc.text.strip():
                    # A scanned PDF has no text layer: a multimodal model reads its pages instead.
                    scanned, digest = read_image(path)
                    doc = Document(path, scanned.text, "pdf", doc.pages, title=scanned.title)
                    mime = "application/pdf"
        except ExtractError as exc:
            with self.catalog.write() as conn:
                self._delete_chunks(conn, file_id)
                conn.execute(
                    "UPDATE files SET status=?, error=?, size=?, mtime_ns=?, inode=?, dev=?, indexed_at=? WHERE id=?",
                    (exc.status, exc.reason, st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev, time.time(), file_id),
                )
            return exc.status
        row = self.catalog.reader().execute(
            "SELECT content_hash, status FROM files WHERE id=?", (file_id,)).fetchone()
        with self.catalog.write() as conn:
            if row is not None and row[0] == digest and conn.execute(
                    "SELECT COUNT(*) FROM chunks WHERE file_id=?", (file_id,)).fetchone()[0] > 0:
                pass  # same text (touched or copied back): keep the chunks and their vectors
            else:
                self._delete_chunks(conn, file_id)
                chunks = chunk_document(doc, self.settings.chunk_chars, self.settings.chunk_overlap)
                rows: list[tuple[int, int, str, int, int, int | None, str, str | None]] = [
                    (file_id, c.ordinal, c.text, c.start, c.end, c.page, text_hash(c.text), None) for c in chunks
                ]
                if mime:  # the image (or scanned PDF) is the one passage; its bytes identify it
                    rows = [(file_id, 0, doc.text, 0, len(doc.text), None, f"media:{digest}", mime)]
                ids = [
                    conn.execute(
                        "INSERT INTO chunks(file_id, ordinal, text, start, end, page, text_hash, media) "
                        "VALUES(?,?,?,?,?,?,?,?) RETURNING id", r).fetchone()[0]
                    for r in rows
                ]
                lexical.add_chunks(conn, zip(ids, (r[2] for r in rows)))
            lexical.set_body(conn, file_id, doc.text)
            conn.execute(
                "UPDATE files SET status='indexed', error=NULL, content_hash=?, extractor=?, encoding=?, "
                "page_count=?, size=?, mtime_ns=?, inode=?, dev=?, indexed_at=? WHERE id=?",
                (digest, doc.extractor, doc.encoding, doc.page_count, st.st_size, st.st_mtime_ns,
                 st.st_ino, st.st_dev, time.time(), file_id),
            )
        return "indexed"

    def retry_failed(self) -> int:
        with self.catalog.write() as conn:
            cur = conn.execute("UPDATE files SET status='pending' WHERE status IN ('failed', 'changed')")
            return cur.rowcount
