"""Tests for PathFilter: defaults, user globs, include-only and nested .gitignore files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from finder.core.config import Settings
from finder.core.ignore import PathFilter, is_temp_name


def touch(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.mark.parametrize("name", ["a.txt~", ".#a.txt", "x.tmp", ".a.swp", ".a.swx", "big.iso.part",
                                  "f.crdownload", "~$report.docx"])
def test_temp_names(name: str) -> None:
    assert is_temp_name(name)


@pytest.mark.parametrize("name", ["a.txt", "tmp", "notes.md", "template.docx", "a~b.txt"])
def test_not_temp_names(name: str) -> None:
    assert not is_temp_name(name)


def test_default_folders_and_hidden(tmp_path: Path) -> None:
    f = PathFilter(tmp_path, Settings())
    for name in ["node_modules", ".git", "__pycache__", "build", "dist", "venv", "foo.egg-info",
                 ".hidden", "site-packages", "coverage"]:
        assert f.excluded(tmp_path / name, True), name
    assert not f.excluded(tmp_path / "docs", True)
    assert f.excluded(tmp_path / ".profile", False)
    assert not f.excluded(tmp_path / "notes.txt", False)
    assert f.excluded(tmp_path / "notes.txt~", False)
    assert not f.excluded(tmp_path, True)  # the root itself never


def test_index_hidden(tmp_path: Path) -> None:
    f = PathFilter(tmp_path, Settings(index_hidden=True))
    assert not f.excluded(tmp_path / ".notes", True)
    assert not f.excluded(tmp_path / ".profile", False)
    assert f.excluded(tmp_path / ".git", True)  # still a default exclusion
    assert f.excluded(tmp_path / ".#lock", False)  # still a temp name


def test_virtualenv_under_any_name(tmp_path: Path) -> None:
    touch(tmp_path / "myenv" / "pyvenv.cfg")
    f = PathFilter(tmp_path, Settings())
    assert f.excluded(tmp_path / "myenv", True)
    assert f.excluded_with_parents(tmp_path / "myenv" / "lib" / "x.py", False)


def test_user_excludes_gitignore_syntax(tmp_path: Path) -> None:
    f = PathFilter(tmp_path, Settings(exclude=("*.log", "private/", "/top.txt")))
    assert f.excluded(tmp_path / "a" / "b.log", False)
    assert f.excluded(tmp_path / "a" / "private", True)
    assert not f.excluded(tmp_path / "a" / "private", False)  # "dir/" patterns match folders only
    assert f.excluded(tmp_path / "top.txt", False)
    assert not f.excluded(tmp_path / "a" / "top.txt", False)  # anchored to the root
    assert f.excluded_with_parents(tmp_path / "a" / "private" / "c.txt", False)


def test_include_only_keeps_folders(tmp_path: Path) -> None:
    f = PathFilter(tmp_path, Settings(include_only=("*.md", "*.pdf")))
    assert not f.excluded(tmp_path / "docs", True)
    assert not f.excluded(tmp_path / "docs" / "a.md", False)
    assert f.excluded(tmp_path / "b.PDF", False)  # globs are case-sensitive, as in git
    assert f.excluded(tmp_path / "docs" / "a.txt", False)


def test_nested_gitignore_relative_to_its_folder(tmp_path: Path) -> None:
    touch(tmp_path / ".gitignore", "*.log\n/only_top.txt\n")
    touch(tmp_path / "sub" / ".gitignore", "!keep.log\n/local.txt\ngen/\n")
    f = PathFilter(tmp_path, Settings())
    assert f.excluded(tmp_path / "x.log", False)
    assert f.excluded(tmp_path / "sub" / "x.log", False)
    assert not f.excluded(tmp_path / "sub" / "keep.log", False)  # re-included by the deeper file
    assert f.excluded(tmp_path / "keep.log", False)  # the negation does not reach up
    assert f.excluded(tmp_path / "only_top.txt", False)
    assert not f.excluded(tmp_path / "sub" / "only_top.txt", False)
    assert f.excluded(tmp_path / "sub" / "local.txt", False)  # anchored to sub/
    assert not f.excluded(tmp_path / "local.txt", False)
    assert f.excluded(tmp_path / "sub" / "deep" / "gen", True)
    assert not f.excluded(tmp_path / "gen", True)


def test_dot_ignore_file_and_switch_off(tmp_path: Path) -> None:
    touch(tmp_path / ".ignore", "secret*\n")
    assert PathFilter(tmp_path, Settings()).excluded(tmp_path / "secret.txt", False)
    off = PathFilter(tmp_path, Settings(honour_gitignore=False))
    assert not off.excluded(tmp_path / "secret.txt", False)


def test_cache_invalidated_when_ignore_file_changes(tmp_path: Path) -> None:
    gi = touch(tmp_path / ".gitignore", "*.log\n")
    f = PathFilter(tmp_path, Settings())
    assert f.excluded(tmp_path / "a.log", False)
    assert not f.excluded(tmp_path / "a.txt", False)
    gi.write_text("*.txt\n")
    st = gi.stat()
    os.utime(gi, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))  # coarse mtime clocks
    assert not f.excluded(tmp_path / "a.log", False)
    assert f.excluded(tmp_path / "a.txt", False)
    gi.unlink()
    assert not f.excluded(tmp_path / "a.txt", False)


def test_parent_exclusion_and_outside_root(tmp_path: Path) -> None:
    f = PathFilter(tmp_path / "root", Settings())
    assert f.excluded_with_parents(tmp_path / "root" / "node_modules" / "a" / "b.js", False)
    assert f.excluded_with_parents(tmp_path / "root" / ".git" / "HEAD", False)
    assert not f.excluded_with_parents(tmp_path / "root" / "a" / "b.txt", False)
    assert f.excluded(tmp_path / "elsewhere.txt", False)


def test_undecodable_names(tmp_path: Path) -> None:
    name = os.fsdecode(b"caf\xe9.txt")  # latin-1 bytes: not UTF-8, kept as surrogates
    touch(tmp_path / ".gitignore", "*.log\n")
    f = PathFilter(tmp_path, Settings(exclude=("*.bak",)))
    assert not f.excluded(tmp_path / name, False)
    assert f.excluded(tmp_path / os.fsdecode(b"caf\xe9.bak"), False)


def test_malformed_line_drops_only_that_line(tmp_path: Path) -> None:
    touch(tmp_path / ".gitignore", "!\n*.log\n\\\n")
    f = PathFilter(tmp_path, Settings())
    assert f.excluded(tmp_path / "a.log", False)
    assert not f.excluded(tmp_path / "a.txt", False)
