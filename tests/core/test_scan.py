"""Tests for scan_root and estimate on real trees: links, loops, special files, odd names."""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest

from finder.core.config import Settings
from finder.core.scan import (
    BROKEN_LINK,
    DUPLICATE_FOLDER,
    LINK_LOOP,
    OUTSIDE_ROOT,
    PERMISSION_DENIED,
    FileEntry,
    estimate,
    scan_root,
)


def touch(path: Path, data: bytes | str = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)
    return path


def run(root: Path, settings: Settings | None = None, **kw: object) -> tuple[list[Path], dict[Path, str]]:
    errors: dict[Path, str] = {}
    entries = list(scan_root(root, settings or Settings(), on_error=errors.__setitem__, **kw))  # type: ignore[arg-type]
    return [e.path for e in entries], errors


def rel(root: Path, paths: list[Path]) -> list[str]:
    return [p.relative_to(root).as_posix() for p in paths]


def test_walk_order_filters_and_stat(tmp_path: Path) -> None:
    touch(tmp_path / "b.txt", "hello")
    touch(tmp_path / "a.txt")
    touch(tmp_path / "z" / "c.txt")
    touch(tmp_path / "m" / "n" / "d.txt")
    touch(tmp_path / "node_modules" / "x.js")
    touch(tmp_path / ".hidden" / "e.txt")
    touch(tmp_path / "f.txt~")
    touch(tmp_path / "venv2" / "pyvenv.cfg")
    touch(tmp_path / "venv2" / "lib" / "x.py")
    paths, errors = run(tmp_path)
    assert rel(tmp_path, paths) == ["a.txt", "b.txt", "m/n/d.txt", "z/c.txt"]
    assert errors == {}
    entry = next(e for e in scan_root(tmp_path, Settings()) if e.path.name == "b.txt")
    st = os.stat(tmp_path / "b.txt")
    assert entry == FileEntry(tmp_path / "b.txt", 5, st.st_mtime_ns, st.st_ino, st.st_dev)


def test_deterministic(tmp_path: Path) -> None:
    for i in range(30):
        touch(tmp_path / f"d{i % 4}" / f"f{(i * 7) % 30}.txt")
    assert run(tmp_path)[0] == run(tmp_path)[0]


def test_nested_gitignore_and_user_settings(tmp_path: Path) -> None:
    touch(tmp_path / ".gitignore", "*.log\n")
    touch(tmp_path / "a.log")
    touch(tmp_path / "sub" / ".gitignore", "!keep.log\nout/\n")
    touch(tmp_path / "sub" / "keep.log")
    touch(tmp_path / "sub" / "drop.log")
    touch(tmp_path / "sub" / "out" / "gen.txt")
    touch(tmp_path / "sub" / "doc.md")
    touch(tmp_path / "secret" / "s.md")
    assert rel(tmp_path, run(tmp_path)[0]) == ["secret/s.md", "sub/doc.md", "sub/keep.log"]
    settings = Settings(exclude=("secret/",), include_only=("*.md",))
    assert rel(tmp_path, run(tmp_path, settings)[0]) == ["sub/doc.md"]
    no_git = Settings(honour_gitignore=False)
    assert "sub/out/gen.txt" in rel(tmp_path, run(tmp_path, no_git)[0])


def test_symlinks_inside_outside_broken_and_loops(tmp_path: Path) -> None:
    root = tmp_path / "root"
    touch(root / "real" / "doc.txt")
    touch(tmp_path / "outside" / "o.txt")
    os.symlink(root / "real" / "doc.txt", root / "link_to_file.txt")
    os.symlink(root / "real", root / "alias")  # same folder twice: real path wins
    os.symlink(tmp_path / "outside", root / "escape")
    os.symlink(tmp_path / "outside" / "o.txt", root / "escape.txt")
    os.symlink(root / "missing.txt", root / "dangling.txt")
    os.symlink(root, root / "real" / "up")  # a loop
    os.symlink(root / "self", root / "self")  # a link to itself
    touch(root / "sub" / "s.txt")
    os.symlink(root / "sub", root / "real" / "z_sub_alias")
    paths, errors = run(root)
    assert rel(root, paths) == ["link_to_file.txt", "real/doc.txt", "sub/s.txt"]
    assert errors == {
        root / "escape": OUTSIDE_ROOT,
        root / "escape.txt": OUTSIDE_ROOT,
        root / "dangling.txt": BROKEN_LINK,
        root / "self": LINK_LOOP,
        root / "real" / "up": LINK_LOOP,
        root / "alias": DUPLICATE_FOLDER,
        root / "real" / "z_sub_alias": DUPLICATE_FOLDER,
    }


def test_symlinked_folder_is_followed_when_target_only_reachable_through_it(tmp_path: Path) -> None:
    root = tmp_path / "root"
    touch(root / "node_modules" / "pkg" / "README.md")  # excluded by name …
    os.symlink(root / "node_modules" / "pkg", root / "pkg")  # … but linked under a normal name
    paths, errors = run(root)
    assert rel(root, paths) == ["pkg/README.md"]
    assert errors == {}


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read anything")
def test_permission_denied(tmp_path: Path) -> None:
    touch(tmp_path / "locked" / "a.txt")
    touch(tmp_path / "open" / "b.txt")
    os.chmod(tmp_path / "locked", 0)
    try:
        paths, errors = run(tmp_path)
    finally:
        os.chmod(tmp_path / "locked", 0o755)
    assert rel(tmp_path, paths) == ["open/b.txt"]
    assert errors == {tmp_path / "locked": PERMISSION_DENIED}


def test_permission_denied_reported_even_as_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    touch(tmp_path / "locked" / "a.txt")
    touch(tmp_path / "open" / "b.txt")
    real_scandir = os.scandir

    def scandir(path: str) -> object:
        if os.path.basename(path) == "locked":
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr("finder.core.scan.os.scandir", scandir)
    paths, errors = run(tmp_path)
    assert rel(tmp_path, paths) == ["open/b.txt"]
    assert errors == {tmp_path / "locked": PERMISSION_DENIED}


def test_special_files_reported(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(tmp_path / "sock"))
        touch(tmp_path / "a.txt")
        paths, errors = run(tmp_path)
    finally:
        sock.close()
    assert rel(tmp_path, paths) == ["a.txt"]
    assert errors == {tmp_path / "pipe": "not a regular file (FIFO)",
                      tmp_path / "sock": "not a regular file (socket)"}


def test_undecodable_name(tmp_path: Path) -> None:
    raw = os.path.join(os.fsencode(tmp_path), b"caf\xe9.txt")
    with open(raw, "wb") as fh:
        fh.write(b"data")
    paths, errors = run(tmp_path)
    assert len(paths) == 1 and errors == {}
    assert os.fsencode(paths[0]) == raw
    assert paths[0].read_bytes() == b"data"


def test_large_files_are_yielded(tmp_path: Path) -> None:
    touch(tmp_path / "big.txt", b"x" * 2_000_000)
    paths, errors = run(tmp_path, Settings(max_file_mb=1))
    assert rel(tmp_path, paths) == ["big.txt"] and errors == {}


def test_is_supported_and_cancel(tmp_path: Path) -> None:
    for i in range(5):
        touch(tmp_path / f"d{i}" / "a.txt")
        touch(tmp_path / f"d{i}" / "b.bin")
    paths, _ = run(tmp_path, is_supported=lambda p: p.suffix == ".txt")
    assert len(paths) == 5 and all(p.suffix == ".txt" for p in paths)
    cancel = threading.Event()
    seen = []
    for entry in scan_root(tmp_path, Settings(), cancel=cancel):
        seen.append(entry)
        cancel.set()
    assert len(seen) < 10


def test_missing_root_reports(tmp_path: Path) -> None:
    paths, errors = run(tmp_path / "nope")
    assert paths == [] and list(errors) == [tmp_path / "nope"]


def test_estimate(tmp_path: Path) -> None:
    touch(tmp_path / "a" / "notes.txt", b"x" * 7000)
    touch(tmp_path / "b" / "paper.pdf", b"x" * 30000)
    touch(tmp_path / "c.md", b"x" * 700)
    touch(tmp_path / "huge.txt", b"x" * 3_000_000)
    est = estimate([tmp_path], Settings(max_file_mb=1), chunks_per_second=4)
    assert est.files == 4
    assert est.bytes == 7000 + 30000 + 700  # the too-large file adds nothing
    assert est.est_chunks == 10 + 10 + 1
    assert est.est_seconds_embed == pytest.approx(21 / 4)
    assert est.est_seconds_keyword > 0
    assert est.by_kind == {"txt": 2, "pdf": 1, "md": 1}
    only_md = estimate([tmp_path], Settings(), is_supported=lambda p: p.suffix == ".md")
    assert only_md.files == 1 and only_md.by_kind == {"md": 1}
