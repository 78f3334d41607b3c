"""Walking a watched folder: the files to index, problems reported per path, and a dry-run estimate."""

from __future__ import annotations

import errno
import os
import stat
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from finder.core.config import Settings
from finder.core.ignore import IgnoreChain, PathFilter

ErrorCallback = Callable[[Path, str], None]
SupportedCallback = Callable[[Path], bool]

OUTSIDE_ROOT = "symbolic link points outside the watched folder"
LINK_LOOP = "symbolic link loop"
BROKEN_LINK = "broken symbolic link"
DUPLICATE_FOLDER = "folder already indexed under another path"
PERMISSION_DENIED = "permission denied"


@dataclass(frozen=True)
class FileEntry:
    """One file found by the scanner, with the stat fields the catalog diffs on."""

    path: Path
    size: int
    mtime_ns: int
    inode: int
    dev: int


@dataclass
class _Folder:
    path: str
    rel: str
    chain: IgnoreChain
    # (dev, inode) of the folders from the root down to here, to tell loops from duplicates.
    ancestors: frozenset[tuple[int, int]]


def _special_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "special file"


def _inside(real: str, root_real: str) -> bool:
    return real == root_real or real.startswith(root_real.rstrip(os.sep) + os.sep)


def scan_root(
    root: Path,
    settings: Settings,
    *,
    on_error: ErrorCallback | None = None,
    is_supported: SupportedCallback | None = None,
    cancel: threading.Event | None = None,
    path_filter: PathFilter | None = None,
) -> Iterator[FileEntry]:
    """Yield every included regular file under ``root``, in a stable order (sorted names).

    Problems (unreadable folders, broken or escaping links, loops, FIFOs, sockets, devices) go to
    ``on_error(path, reason)`` and the walk goes on. Files over ``settings.max_file_mb`` are still
    yielded: the extractor records "too large" on them. Files for which ``is_supported`` returns
    False are left out silently. Symbolic links are followed only when their target lies inside
    the root; linked folders are walked after all real folders so real paths win over aliases.
    """
    report = on_error or (lambda _path, _reason: None)
    root_str = os.path.abspath(root)
    root_real = os.path.realpath(root_str)
    filt = path_filter or PathFilter(Path(root_str), settings)
    gitignore = settings.honour_gitignore
    try:
        root_stat = os.stat(root_str)
    except PermissionError:
        report(Path(root_str), PERMISSION_DENIED)
        return
    except OSError as exc:
        report(Path(root_str), (exc.strerror or str(exc)).lower())
        return
    visited: set[tuple[int, int]] = {(root_stat.st_dev, root_stat.st_ino)}
    root_chain: IgnoreChain = ()
    if gitignore:
        rules = filt.rules_for(root_str)
        root_chain = (rules,) if rules is not None else ()
    stack = [_Folder(root_str, "", root_chain, frozenset(visited))]
    linked: list[tuple[_Folder, os.stat_result]] = []  # symlinked folders, walked last

    while stack or linked:
        if cancel is not None and cancel.is_set():
            return
        if stack:
            folder = stack.pop()
        else:
            folder, target = linked.pop(0)
            key = (target.st_dev, target.st_ino)
            if key in folder.ancestors:
                report(Path(folder.path), LINK_LOOP)
                continue
            if key in visited:
                report(Path(folder.path), DUPLICATE_FOLDER)
                continue
            visited.add(key)
            folder.ancestors = folder.ancestors | {key}
        try:
            with os.scandir(folder.path) as it:
                entries = sorted(it, key=lambda e: e.name)
        except PermissionError:
            report(Path(folder.path), PERMISSION_DENIED)
            continue
        except FileNotFoundError:
            continue  # vanished while we walked
        except OSError as exc:
            report(Path(folder.path), (exc.strerror or str(exc)).lower())
            continue
        subfolders: list[_Folder] = []
        prefix = folder.rel + "/" if folder.rel else ""
        for entry in entries:
            name = entry.name
            rel = prefix + name
            full = entry.path
            try:
                is_link = entry.is_symlink()
                st = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            except OSError as exc:
                report(Path(full), (exc.strerror or str(exc)).lower())
                continue
            if is_link:
                try:
                    st = os.stat(full)
                except FileNotFoundError:
                    if not filt.check(full, rel, False, folder.chain):
                        report(Path(full), BROKEN_LINK)
                    continue
                except OSError as exc:
                    if not filt.check(full, rel, False, folder.chain):
                        report(Path(full), LINK_LOOP if exc.errno == errno.ELOOP else
                               (exc.strerror or str(exc)).lower())
                    continue
            is_dir = stat.S_ISDIR(st.st_mode)
            if filt.check(full, rel, is_dir, folder.chain):
                continue
            if is_link and not _inside(os.path.realpath(full), root_real):
                report(Path(full), OUTSIDE_ROOT)
                continue
            if is_dir:
                chain = folder.chain
                if gitignore:
                    rules = filt.rules_for(full)
                    if rules is not None:
                        chain = chain + (rules,)
                key = (st.st_dev, st.st_ino)
                sub = _Folder(full, rel, chain, folder.ancestors)
                if is_link:
                    linked.append((sub, st))
                    continue
                if key in visited:
                    report(Path(full), DUPLICATE_FOLDER)  # e.g. a bind mount
                    continue
                visited.add(key)
                sub.ancestors = folder.ancestors | {key}
                subfolders.append(sub)
            elif stat.S_ISREG(st.st_mode):
                path = Path(full)
                if is_supported is not None and not is_supported(path):
                    continue
                yield FileEntry(path, st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev)
            else:
                report(Path(full), f"not a regular file ({_special_kind(st.st_mode)})")
        stack.extend(reversed(subfolders))


# -- dry run ---------------------------------------------------------------------------------

TEXT_BYTES_PER_CHUNK = 700
PDF_BYTES_PER_CHUNK = 3000


@dataclass(frozen=True)
class Estimate:
    """What indexing the given folders would cost, before doing it."""

    files: int
    bytes: int
    est_chunks: int
    est_seconds_keyword: float
    est_seconds_embed: float
    by_kind: dict[str, int] = field(default_factory=dict)


def file_kind(path: Path) -> str:
    """A short kind for grouping counts: the lower-case extension without the dot, or "other"."""
    suffix = path.suffix.lower().lstrip(".")
    return suffix or "other"


def estimate(
    roots: Sequence[Path],
    settings: Settings,
    is_supported: SupportedCallback | None = None,
    *,
    chunks_per_second: float = 40.0,
    keyword_bytes_per_second: float = 20e6,
    keyword_seconds_per_file: float = 0.002,
    cancel: threading.Event | None = None,
) -> Estimate:
    """Walk ``roots`` without reading any file and estimate files, bytes, chunks and time.

    Files over ``settings.max_file_mb`` count as files but add no bytes (they will be skipped).
    """
    limit = int(settings.max_file_mb * 1024 * 1024)
    files = total = 0
    chunks = 0.0
    by_kind: dict[str, int] = {}
    for root in roots:
        for entry in scan_root(Path(root), settings, is_supported=is_supported, cancel=cancel):
            files += 1
            kind = file_kind(entry.path)
            by_kind[kind] = by_kind.get(kind, 0) + 1
            if entry.size > limit:
                continue
            total += entry.size
            per_chunk = PDF_BYTES_PER_CHUNK if kind == "pdf" else TEXT_BYTES_PER_CHUNK
            chunks += max(1.0, entry.size / per_chunk) if entry.size else 0.0
    est_chunks = round(chunks)
    keyword = total / keyword_bytes_per_second + files * keyword_seconds_per_file
    embed = est_chunks / chunks_per_second if chunks_per_second > 0 else 0.0
    return Estimate(files, total, est_chunks, keyword, embed, by_kind)
