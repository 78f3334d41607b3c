"""The CLI contract used by scripts and the acceptance run: index, search --json/--stdin, status, forget."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def finder(home: Path, *args: str, stdin: str | None = None, timeout: float = 240) -> subprocess.CompletedProcess:
    env = {**os.environ, "FINDER_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "finder", *args], input=stdin, capture_output=True,
                          text=True, env=env, timeout=timeout)


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A mixed corpus indexed once with the real offline model (keyword + meaning)."""
    base = tmp_path_factory.mktemp("cli")
    docs, home = base / "docs", base / "home"
    (docs / "zh").mkdir(parents=True)
    (docs / "pets.txt").write_text("How to care for a puppy: feeding, walks and vaccinations for young dogs.\n")
    (docs / "tax.md").write_text("# Tax return\n\nFile your income tax return before the April deadline.\n")
    (docs / "zh/做饭.txt").write_text("红烧肉的做法：五花肉切块，加酱油和冰糖慢慢炖一个小时。\n", encoding="utf-8")
    (docs / "zh/旅行.txt").write_text("去北京旅游的攻略：故宫、长城和颐和园都值得一看。\n", encoding="utf-8")
    (docs / "notes with spaces.txt").write_text("Meeting notes: the launch moves to next quarter.\n")
    done = finder(home, "index", str(docs))
    assert done.returncode == 0, done.stderr
    return docs, home


def test_search_json(indexed: tuple[Path, Path]) -> None:
    docs, home = indexed
    out = finder(home, "search", "income tax deadline", "--json", "--limit", "3")
    assert out.returncode == 0, out.stderr
    hits = json.loads(out.stdout)
    assert hits[0]["path"] == str(docs / "tax.md")
    assert {"path", "score", "snippet", "page"} <= set(hits[0])


def test_search_by_meaning_in_english_and_chinese(indexed: tuple[Path, Path]) -> None:
    docs, home = indexed
    queries = "looking after a young dog\n怎么做红烧肉\n\nsightseeing in the capital of China\n"
    out = finder(home, "search", "--json", "--stdin", "--limit", "3", stdin=queries)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == 4  # one JSON array per input line, empty queries included
    results = [json.loads(line) for line in lines]
    assert results[0][0]["path"] == str(docs / "pets.txt")
    assert results[1][0]["path"] == str(docs / "zh/做饭.txt")
    assert results[2] == []
    assert results[3][0]["path"] == str(docs / "zh/旅行.txt")  # English query, Chinese document


def test_status_and_forget(indexed: tuple[Path, Path]) -> None:
    docs, home = indexed
    st = json.loads(finder(home, "status", "--json").stdout)
    assert st["indexed"] == 5 and st["failed"] == 0 and st["pending"] == 0
    assert st["embedded_chunks"] == st["chunks"] > 0
    assert st["remote"] is False and st["provider"] == "local"
    text = finder(home, "status").stdout
    assert "everything stays on this computer" in text
    assert finder(home, "forget", str(docs / "zh")).returncode == 0
    st = json.loads(finder(home, "status", "--json").stdout)
    assert st["indexed"] == 3
    assert json.loads(finder(home, "search", "红烧肉", "--json").stdout) == []


def test_similar(indexed: tuple[Path, Path]) -> None:
    docs, home = indexed
    out = finder(home, "similar", str(docs / "pets.txt"), "--json")
    assert out.returncode == 0, out.stderr
    paths = [h["path"] for h in json.loads(out.stdout)]
    assert str(docs / "pets.txt") not in paths and len(paths) >= 2


def test_bad_arguments_are_clear(tmp_path: Path) -> None:
    out = finder(tmp_path / "h", "index", str(tmp_path / "missing"))
    assert out.returncode == 2 and "does not exist" in out.stderr
    out = finder(tmp_path / "h", "similar", str(tmp_path / "nothing.txt"))
    assert out.returncode == 1 and "finder:" in out.stderr
    assert finder(tmp_path / "h", "search", "anything", "--json").stdout.strip() == "[]"


def test_dry_run(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    for i in range(5):
        (tmp_path / "d" / f"f{i}.txt").write_text("hello world " * 100)
    out = finder(tmp_path / "h", "index", "--dry-run", "--json", str(tmp_path / "d"))
    assert out.returncode == 0, out.stderr
    est = json.loads(out.stdout)
    assert est["files"] == 5 and est["est_chunks"] >= 5
    st = json.loads(finder(tmp_path / "h", "status", "--json").stdout)
    assert st["files"] == 0  # a dry run indexes nothing


def test_core_never_imports_qt() -> None:
    code = ("import sys, finder.core.service, finder.core.live, finder.cli, finder.core.embed.local; "
            "import finder.core.embed.openai_compat, finder.core.embed.gemini, finder.core.embed.dashscope; "
            "bad = [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'finder.gui'))]; "
            "print(bad); sys.exit(1 if bad else 0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
