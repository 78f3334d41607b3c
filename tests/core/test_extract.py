"""Tests for finder.core.extract: every extractor, the whole hostile-file zoo, safe reading."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the zoo lives in tests/, which may not be on the path
    sys.path.insert(0, str(ROOT))

from finder.core.errors import ExtractError, FileChanged, SkippedFile  # noqa: E402
from finder.core.extract import (  # noqa: E402
    EXTRACTORS,
    KINDS,
    REGISTRY,
    SUPPORTED_SUFFIXES,
    extract,
    human_size,
    is_supported,
    kind_of,
    reader,
)
from finder.core.extract.encoding import decode_text  # noqa: E402
from tests.zoo import CHINESE, ENGLISH, JAPANESE, TRADITIONAL, build_zoo, make_pdf, unlock_zoo  # noqa: E402

SAME_CODEC = {"shift_jis": {"shift_jis", "cp932"}, "gb18030": {"gb18030", "gbk"}}


def outcome(path: Path, **kwargs: int) -> tuple[str, object]:
    """('indexed', Document) or (status, reason) — what the indexer would store."""
    try:
        return "indexed", extract(path, **kwargs)
    except ExtractError as exc:
        return exc.status, exc.reason


@pytest.fixture(scope="module")
def zoo(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("zoo-parent") / "zoo"
    expected = build_zoo(root)
    yield root, expected
    unlock_zoo(root)


# --- the zoo -------------------------------------------------------------------------------


@pytest.mark.timeout(20)
def test_zoo_entries_get_their_expected_status(zoo) -> None:
    root, expected = zoo
    assert len(expected) >= 30
    wrong = {}
    for rel, status in expected.items():
        if rel == "outside.txt":
            continue  # the scanner's call: extract() alone follows the link (checked below)
        got, detail = outcome(root / rel)
        if got != status:
            wrong[rel] = (status, got, detail)
    assert wrong == {}


@pytest.mark.timeout(20)
def test_zoo_text_encodings_and_reasons(zoo) -> None:
    root, expected = zoo
    for rel, fragment in expected.contains.items():
        doc = extract(root / rel)
        assert fragment in doc.text, rel
        assert doc.path == root / rel
    for rel, encoding in expected.encodings.items():
        assert extract(root / rel).encoding in SAME_CODEC.get(encoding, {encoding}), rel
    for rel, fragment in expected.reasons.items():
        status, reason = outcome(root / rel)
        assert status != "indexed", rel
        assert isinstance(reason, str) and fragment in reason, (rel, reason)
        assert reason == reason.strip() and "\n" not in reason and len(reason) < 100, reason


def test_zoo_marks_what_the_scanner_decides(zoo) -> None:
    root, expected = zoo
    assert {"loop_a.txt", "loop_b.txt", "dangling.txt", "outside.txt"} <= set(
        expected.scanner_owned
    )
    assert all(expected[rel] in {"indexed", "skipped", "failed"} for rel in expected)
    # What extract() itself says about them:
    assert outcome(root / "loop_a.txt") == ("skipped", "symbolic link loop")
    assert outcome(root / "dangling.txt") == ("skipped", "broken symbolic link")
    assert extract(root / "outside.txt").text == "outside the root\n"


def test_chinese_and_japanese_legacy_encodings_decode_exactly(zoo) -> None:
    root, _ = zoo
    assert extract(root / "gbk.txt").text == CHINESE
    assert extract(root / "big5.txt").text == TRADITIONAL
    assert extract(root / "shift_jis.txt").text == JAPANESE
    assert extract(root / "utf16.txt").text == ENGLISH
    assert extract(root / "笔记.md").title == "中文笔记"


def test_invalid_utf8_keeps_text_with_replacement_chars(zoo) -> None:
    root, _ = zoo
    doc = extract(root / "invalid_utf8.txt")
    assert doc.encoding == "utf-8"
    assert 1 <= doc.text.count("\ufffd") <= 4
    assert doc.text.startswith(CHINESE) and doc.text.endswith(CHINESE)


def test_odd_names_work(zoo) -> None:
    root, _ = zoo
    bad = Path(os.fsdecode(os.fsencode(root) + b"/bad\xff.txt"))
    assert extract(bad).text == "a name that is not valid UTF-8\n"
    assert "newline" in extract(root / "new\nline.txt").text
    assert extract(root / "emoji 🎉 party.md").extractor == "markdown"


def test_pdf_pages_and_spans(zoo) -> None:
    root, _ = zoo
    doc = extract(root / "docs/two_pages.pdf")
    assert doc.extractor == "pdf" and doc.title == "Fruit Report" and doc.encoding is None
    assert [p.number for p in doc.pages] == [1, 2] and doc.page_count == 2
    first, second = doc.pages
    assert (
        doc.text[first.start : first.end]
        == "First page about apples and orchards.\nA second line (with parentheses)."
    )
    assert doc.text[second.start : second.end] == "Second page about bananas and harbours."
    assert doc.text[first.end : second.start] == "\n\n" and second.end == len(doc.text)
    assert doc.page_at(doc.text.index("bananas")) == 2
    assert doc.page_at(doc.text.index("apples")) == 1


def test_pdf_with_chinese_text(tmp_path: Path) -> None:
    path = tmp_path / "中文.pdf"
    path.write_bytes(make_pdf(["Hello 世界 page one", "第二页 apples 123"]))
    doc = extract(path)
    assert doc.text == "Hello 世界 page one\n\n第二页 apples 123"
    assert doc.page_at(doc.text.index("第二页")) == 2


def test_pdf_failures_have_clear_reasons(zoo) -> None:
    root, _ = zoo
    assert outcome(root / "docs/encrypted.pdf") == ("failed", "PDF is password-protected")
    assert outcome(root / "docs/truncated.pdf")[1].startswith("damaged PDF")
    assert outcome(root / "docs/corrupt.pdf")[1].startswith("damaged PDF")


def test_pdf_is_safe_from_many_threads(tmp_path: Path) -> None:
    paths = []
    for i in range(8):
        path = tmp_path / f"doc{i}.pdf"
        path.write_bytes(make_pdf([f"page one of document {i}", f"page two of document {i}"]))
        paths.append(path)
    results: dict[int, str] = {}

    def work(i: int) -> None:
        for _ in range(5):
            results[i] = extract(paths[i]).text

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results == {i: f"page one of document {i}\n\npage two of document {i}" for i in range(8)}


def test_empty_pdf_and_non_pdf_named_pdf(tmp_path: Path) -> None:
    (tmp_path / "empty.pdf").write_bytes(b"")
    (tmp_path / "text.pdf").write_bytes(b"just some text, no header\n")
    assert outcome(tmp_path / "empty.pdf")[0] == "failed"
    assert outcome(tmp_path / "text.pdf") == ("failed", "damaged PDF: no PDF header")


# --- special files and safe reading -------------------------------------------------------------


@pytest.mark.timeout(5)
def test_fifo_does_not_hang(zoo) -> None:
    root, _ = zoo
    assert outcome(root / "pipe.txt") == ("skipped", "not a regular file (FIFO)")


def test_sparse_2gb_file_is_rejected_instantly(zoo) -> None:
    root, _ = zoo
    assert (root / "big.log").stat().st_size == 2 * 2**30
    start = time.perf_counter()
    status, reason = outcome(root / "big.log")
    assert time.perf_counter() - start < 1.0
    assert (status, reason) == ("skipped", "larger than the 100 MB size cap (2.0 GB)")


def test_size_cap_is_configurable(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"x" * 2048)
    assert outcome(path, max_bytes=1024) == ("skipped", "larger than the 1 KB size cap (2.0 KB)")
    assert extract(path, max_bytes=2048).text == "x" * 2048
    assert human_size(5) == "5 bytes" and human_size(1536) == "1.5 KB"


def test_directory_device_and_socket_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "folder.txt").mkdir()
    assert outcome(tmp_path / "folder.txt") == ("skipped", "not a regular file (directory)")
    short = Path(tempfile.mkdtemp(prefix="sf"))  # AF_UNIX paths must be short
    try:
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(short / "s.txt"))
        try:
            assert outcome(short / "s.txt") == ("skipped", "not a regular file (socket)")
        finally:
            sock.close()
    finally:
        shutil.rmtree(short)


def test_missing_file_is_file_changed(tmp_path: Path) -> None:
    with pytest.raises(FileChanged, match="vanished"):
        extract(tmp_path / "gone.txt")
    with pytest.raises(FileChanged):
        extract(tmp_path / "no-such-dir" / "gone.md")


def test_unsupported_type_is_skipped_without_touching_disk(tmp_path: Path) -> None:
    with pytest.raises(SkippedFile, match=r"unsupported file type \(\.exe\)"):
        extract(tmp_path / "missing.exe")


def _wrap_read(monkeypatch: pytest.MonkeyPatch, action) -> None:
    real = reader._read_all

    def read_then_act(fd: int, size: int) -> bytes:
        data = real(fd, size)
        action()
        return data

    monkeypatch.setattr(reader, "_read_all", read_then_act)


def test_file_rewritten_during_read_is_file_changed(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "a.txt"
    path.write_text("old content\n")
    _wrap_read(monkeypatch, lambda: path.open("a").write("more\n"))
    with pytest.raises(FileChanged, match="changed while being read"):
        extract(path)


def test_file_replaced_during_read_is_file_changed(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "a.txt"
    path.write_text("old content\n")
    other = tmp_path / "b.txt"
    other.write_text("new content\n")
    _wrap_read(monkeypatch, lambda: os.replace(other, path))
    with pytest.raises(FileChanged, match="replaced while being read"):
        extract(path)


def test_file_deleted_during_read_is_file_changed(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "a.txt"
    path.write_text("content\n")
    _wrap_read(monkeypatch, path.unlink)
    with pytest.raises(FileChanged, match="vanished while being read"):
        extract(path)


def test_io_error_maps_to_extract_error(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "a.txt"
    path.write_text("content\n")

    def broken(fd: int, size: int) -> bytes:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(reader, "_read_all", broken)
    assert outcome(path) == ("failed", "I/O error while reading the file")


def test_unexpected_exception_in_extractor_becomes_extract_error(
    tmp_path: Path, monkeypatch
) -> None:
    path = tmp_path / "a.txt"
    path.write_text("content\n")

    def boom(self, path: Path, data: bytes):
        raise ValueError("something odd\nsecond line")

    monkeypatch.setattr(type(REGISTRY[".txt"]), "extract", boom)
    assert outcome(path) == ("failed", "cannot extract text: something odd")


NOBODY_SCRIPT = """
import json, sys
from pathlib import Path
from finder.core.extract import extract, ExtractError
out = {}
for name in sys.argv[1:]:
    try:
        extract(Path(name)); out[name] = ["indexed", ""]
    except ExtractError as exc:
        out[name] = [exc.status, exc.reason]
print(json.dumps(out))
"""


@pytest.mark.timeout(20)
def test_permission_denied_for_a_normal_user() -> None:
    import json

    base = Path(tempfile.mkdtemp(prefix="sf-perm-"))  # under /tmp so user nobody can reach it
    try:
        base.chmod(0o755)
        (base / "ok.txt").write_text("readable\n")
        (base / "secret.txt").write_text("secret\n")
        (base / "secret.txt").chmod(0)
        (base / "locked").mkdir()
        (base / "locked" / "inner.txt").write_text("inner\n")
        (base / "locked").chmod(0)
        names = [str(base / n) for n in ("ok.txt", "secret.txt", "locked/inner.txt")]
        cmd = [sys.executable, "-c", NOBODY_SCRIPT, *names]
        if os.geteuid() == 0:
            if not shutil.which("setpriv"):
                pytest.skip("running as root and setpriv is missing: cannot drop privileges")
            cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        run = subprocess.run(
            cmd, check=False, capture_output=True, text=True, env=env, cwd="/", timeout=15
        )
        if (
            run.returncode != 0
            and "Permission denied" in run.stderr
            and "python" in run.stderr.lower()
        ):
            pytest.skip(f"user nobody cannot run this Python: {run.stderr.strip()[-200:]}")
        assert run.returncode == 0, run.stderr
        result = json.loads(run.stdout)
        assert result[names[0]] == ["indexed", ""]
        assert result[names[1]] == ["failed", "permission denied"]
        assert result[names[2]] == ["failed", "permission denied"]
    finally:
        (base / "locked").chmod(0o755)
        shutil.rmtree(base)


# --- text decoding ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "text", "encoding"),
    [
        (b"plain ascii\r\nwindows\rold mac\n", "plain ascii\nwindows\nold mac\n", "utf-8"),
        ("é".encode("utf-8-sig") + b"x", "éx", "utf-8-sig"),
        (b"\xfe\xff" + "hé 中".encode("utf-16-be"), "hé 中", "utf-16"),
        ("hé 中\n".encode("utf-32"), "hé 中\n", "utf-32"),
        (
            "BOM-less UTF-16 little endian text\n".encode("utf-16-le"),
            "BOM-less UTF-16 little endian text\n",
            "utf-16-le",
        ),
        (b"a" * 9000 + b"\x00tail", "a" * 9000 + "tail", "utf-8"),  # NUL after the probe: stripped
        (b"\x1b[31mred log line\x1b[0m\n", "\x1b[31mred log line\x1b[0m\n", "utf-8"),
    ],
)
def test_decode_text(data: bytes, text: str, encoding: str) -> None:
    assert decode_text(data) == (text, encoding)


@pytest.mark.parametrize(
    "data",
    [
        b"\x00\x01\x02binary",
        bytes([1, 2, 3, 4, 5, 6, 7, 8]) * 100,
        bytes(range(128, 256)) * 64 + b"\x01\x02",
    ],
)
def test_binary_data_is_skipped(data: bytes) -> None:
    with pytest.raises(SkippedFile, match="binary"):
        decode_text(data)


def test_western_and_cyrillic_single_byte_files(tmp_path: Path) -> None:
    german = "Die Größe der Straße ist schön, Grüße aus München.\n"
    russian = "Привет, это тестовый документ на русском языке. Семантический поиск.\n"
    (tmp_path / "de.txt").write_bytes(german.encode("cp1252"))
    (tmp_path / "ru.txt").write_bytes(russian.encode("cp1251"))
    assert (extract(tmp_path / "de.txt").text, extract(tmp_path / "de.txt").encoding) == (
        german,
        "cp1252",
    )
    assert (extract(tmp_path / "ru.txt").text, extract(tmp_path / "ru.txt").encoding) == (
        russian,
        "cp1251",
    )


def test_large_utf8_file_is_fast(tmp_path: Path) -> None:
    path = tmp_path / "big.md"
    line = "中文 English mixed line 语义搜索\n"
    path.write_text(line * 200_000)
    start = time.perf_counter()
    doc = extract(path)
    assert time.perf_counter() - start < 1.0
    assert doc.encoding == "utf-8" and len(doc.text) == 200_000 * len(line)


# --- HTML, Markdown, registry --------------------------------------------------------------------


def test_html_visible_text_only(zoo) -> None:
    root, _ = zoo
    doc = extract(root / "page.html")
    assert doc.title == "Zoo & Garden" and doc.extractor == "html"
    assert (
        doc.text
        == "Zoo & Garden\n\nWelcome\n\nGiraffes & zebras live here.\nSecond line.\n\nlions\ntigers"
    )
    for hidden in ("scriptonly", "noscriptonly", "color: red", "<"):
        assert hidden not in doc.text


def test_html_meta_charset_and_broken_markup(tmp_path: Path) -> None:
    page = '<html><head><meta charset="gbk"><title>标题</title></head><body><p>正文内容<div>未闭合'
    (tmp_path / "gbk.htm").write_bytes(page.encode("gbk"))
    doc = extract(tmp_path / "gbk.htm")
    assert (doc.title, doc.text, doc.encoding) == ("标题", "标题\n\n正文内容\n未闭合", "gbk")
    (tmp_path / "junk.html").write_bytes(b"<<<>>><div <p></ </script><script>never closed")
    assert outcome(tmp_path / "junk.html")[0] == "indexed"


def test_markdown_title_from_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "post.markdown"
    path.write_text("---\ntitle: 'Front Title'\ntags: [a]\n---\n# Heading\n\nBody.\n")
    doc = extract(path)
    assert doc.title == "Front Title" and doc.text.startswith("---\ntitle")
    (tmp_path / "plain.md").write_text("no heading here\n")
    assert extract(tmp_path / "plain.md").title is None


def test_every_extractor_reads_garbage_without_crashing(tmp_path: Path) -> None:
    garbage = bytes((i * 7919 + 13) % 256 for i in range(5000))
    for i, suffix in enumerate(sorted(SUPPORTED_SUFFIXES)):
        path = tmp_path / f"g{i}{suffix}"
        path.write_bytes(garbage)
        status, _ = outcome(path)
        assert status in {"indexed", "skipped", "failed"}, suffix


def test_is_supported_and_kind_of() -> None:
    assert all(
        isinstance(s, str) and s.startswith(".") and s == s.lower() for s in SUPPORTED_SUFFIXES
    )
    for name, kind in {
        "a.TXT": "text",
        "b.Md": "markdown",
        "c.py": "code",
        "d.PDF": "pdf",
        "e.htm": "html",
        "f.rst": "rst",
        "g.json": "data",
        "h.yaml": "data",
        "i.csv": "data",
        "j.toml": "data",
        "k.ini": "data",
        "l.xml": "data",
        "m.log": "data",
        "README": "text",
        "Makefile": "code",
        "Dockerfile": "code",
        "LICENSE": "text",
        "CHANGELOG": "text",
        "n.tsx": "code",
        "o.rs": "code",
        "p.vue": "code",
        "q.svelte": "code",
        "r.ps1": "code",
        "s.bib": "code",
        "Dockerfile.dev": "code",
    }.items():
        assert is_supported(Path(name)), name
        assert kind_of(Path(name)) == kind, name
    for name in ("photo.jpg", "archive.zip", "noext", "a.exe", ".hidden"):
        assert not is_supported(Path(name)) and kind_of(Path(name)) == "other"


def test_extractors_follow_the_protocol() -> None:
    for extractor in EXTRACTORS:
        assert extractor.kind in KINDS and extractor.name and extractor.suffixes
        assert all(REGISTRY[s] is extractor for s in extractor.suffixes)


def test_core_extract_does_not_import_qt() -> None:
    code = "import sys, finder.core.extract; assert not [m for m in sys.modules if 'PySide' in m]"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
