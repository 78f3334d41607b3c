"""Read a file's bytes safely: regular files only, size cap before reading, change detection."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from finder.core.errors import ExtractError, FileChanged, SkippedFile

# O_NONBLOCK: should a FIFO slip past the stat check, opening it must not hang.
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_BINARY", 0)
)
_NOATIME = getattr(os, "O_NOATIME", 0)  # don't touch atime; only allowed for the file's owner

_TYPE_NAMES = (
    (stat.S_ISDIR, "directory"),
    (stat.S_ISFIFO, "FIFO"),
    (stat.S_ISSOCK, "socket"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
)


def human_size(n: float, *, exact: bool = False) -> str:
    """1536 → '1.5 KB'; with ``exact`` a whole number drops the decimal ('100 MB')."""
    if n < 1024:
        return f"{int(n)} bytes"
    for unit in ("KB", "MB", "GB", "TB"):
        n /= 1024
        if n < 1024 or unit == "TB":
            break
    if exact and n == int(n):
        return f"{int(n)} {unit}"
    return f"{n:.1f} {unit}"


def _type_name(mode: int) -> str:
    for test, name in _TYPE_NAMES:
        if test(mode):
            return name
    return "special file"


def _too_large(size: int, cap: int) -> SkippedFile:
    limit = human_size(cap, exact=True)
    return SkippedFile(f"larger than the {limit} size cap ({human_size(size)})")


def _check_regular(st: os.stat_result) -> None:
    if not stat.S_ISREG(st.st_mode):
        raise SkippedFile(f"not a regular file ({_type_name(st.st_mode)})")


def _stat_error(path: Path, exc: OSError) -> ExtractError:
    """Map an error from stat/open on ``path`` to our tree."""
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        try:
            if stat.S_ISLNK(os.lstat(path).st_mode):
                return SkippedFile("broken symbolic link")
        except OSError:
            pass
        return FileChanged("file vanished before it could be read")
    if exc.errno == errno.ELOOP:
        return SkippedFile("symbolic link loop")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return ExtractError("permission denied")
    if exc.errno == errno.ENAMETOOLONG:
        return SkippedFile("file name too long")
    if exc.errno == errno.ENXIO:
        return SkippedFile("not a regular file (socket or device)")
    return ExtractError(f"cannot open file: {exc.strerror or exc}")


def _open(path: Path) -> int:
    if _NOATIME:
        try:
            return os.open(path, _OPEN_FLAGS | _NOATIME)
        except PermissionError as exc:
            if exc.errno != errno.EPERM:
                raise
    return os.open(path, _OPEN_FLAGS)


def _same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _unchanged(a: os.stat_result, b: os.stat_result) -> bool:
    return _same_file(a, b) and a.st_size == b.st_size and a.st_mtime_ns == b.st_mtime_ns


def read_file(path: Path, max_bytes: int) -> bytes:
    """All bytes of the regular file at ``path`` (symlinks followed), at most ``max_bytes``.

    Raises SkippedFile for special files and files over the cap (checked before reading, so a
    huge sparse file costs nothing), FileChanged when the file vanished, was replaced or was
    written to while we read it, and ExtractError for permission and I/O errors.
    """
    # stat before open: opening a FIFO can block and opening a device can have side effects.
    try:
        before = os.stat(path)
    except OSError as exc:
        raise _stat_error(path, exc) from None
    _check_regular(before)
    if before.st_size > max_bytes:
        raise _too_large(before.st_size, max_bytes)
    try:
        fd = _open(path)
    except OSError as exc:
        raise _stat_error(path, exc) from None
    try:
        opened = os.fstat(fd)
        if not _same_file(before, opened):
            raise FileChanged("file was replaced while being opened")
        _check_regular(opened)
        if opened.st_size > max_bytes:
            raise _too_large(opened.st_size, max_bytes)
        data = _read_all(fd, opened.st_size)
        after = os.fstat(fd)
    except OSError as exc:
        if exc.errno == errno.EIO:
            raise ExtractError("I/O error while reading the file") from None
        raise ExtractError(f"cannot read file: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if len(data) != opened.st_size or not _unchanged(opened, after):
        raise FileChanged("file changed while being read")
    try:
        now = os.stat(path)
    except OSError:
        raise FileChanged("file vanished while being read") from None
    if not _same_file(now, after):
        raise FileChanged("file was replaced while being read")
    return data


def _read_all(fd: int, size: int) -> bytes:
    """Read up to ``size + 1`` bytes: one byte more than expected tells us the file grew."""
    parts: list[bytes] = []
    total = 0
    while total <= size:
        chunk = os.read(fd, min(size + 1 - total, 1 << 30))
        if not chunk:
            break
        parts.append(chunk)
        total += len(chunk)
    return parts[0] if len(parts) == 1 else b"".join(parts)
