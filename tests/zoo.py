"""The hostile-file zoo: odd encodings, broken PDFs, special files and names, expected statuses."""

from __future__ import annotations

import os
from pathlib import Path

ENGLISH = (
    "Semantic search finds files by what they mean, not only by the words in their names.\n"
    "The quick brown fox jumps over the lazy dog while the indexer reads every page.\n"
)
CHINESE = (
    "这是一个用于测试的中文文档。语义搜索可以根据文件的含义而不是文件名来查找文件。\n"
    "我们需要确保编码检测能够正确识别简体中文，例如国家标准编码和统一码。\n"
    "今天天气很好，我们在公园里散步，讨论机器学习和向量数据库的设计。\n"
)
TRADITIONAL = (
    "這是一個用於測試的繁體中文文件。語義搜尋可以根據檔案的含義來查找檔案，而不只是檔名。\n"
    "我們需要確保編碼偵測能夠正確識別繁體中文，例如大五碼。\n"
    "今天天氣很好，我們在公園裡散步，討論機器學習與向量資料庫的設計。\n"
)
JAPANESE = (
    "これはテスト用の日本語の文書です。意味検索はファイル名ではなく内容でファイルを探します。\n"
    "文字コードの判定が正しく動作することを確認します。東京の天気は晴れです。\n"
    "私たちは公園を散歩しながら、機械学習とベクトルデータベースについて話しました。\n"
)
LATIN = (
    "Café crème, naïve façade, déjà vu: the señor's niño ate crêpes in Zürich.\n"
    "Über Größe und Maß; Æsir and øre; garçon, élève, über, Noël à la française.\n"
)
PDF_PAGES = (
    "First page about apples and orchards.\nA second line (with parentheses).",
    "Second page about bananas and harbours.",
)
HTML_PAGE = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Zoo &amp; Garden</title>"
    "<style>body { color: red }</style><script>var hidden = 'scriptonly';</script></head>"
    "<body><h1>Welcome</h1><p>Giraffes &amp; zebras live here.<br>Second line.</p>"
    "<noscript>noscriptonly</noscript><ul><li>lions</li><li>tigers</li></ul></body></html>"
)
SPARSE_SIZE = 2 * 2**30


class Zoo(dict[str, str]):
    """{relative path: expected status} plus what the tests and the scanner need to know.

    Keys use "/" and ``os.fsdecode`` (an undecodable byte in a name becomes a lone surrogate).
    ``scanner_owned`` maps the entries whose status the scanner decides (not the extractor) to
    why; ``reasons`` maps skipped/failed entries to a fragment of the expected reason;
    ``contains`` maps indexed entries to a piece of text the extracted text must contain;
    ``encodings`` maps text entries to the encoding the extractor should report.
    """

    def __init__(self) -> None:
        super().__init__()
        self.scanner_owned: dict[str, str] = {}
        self.reasons: dict[str, str] = {}
        self.contains: dict[str, str] = {}
        self.encodings: dict[str, str] = {}


def build_zoo(root: Path) -> Zoo:
    """Create the zoo under ``root`` (which must not exist yet or be empty); return expectations.

    Decisions: a 0-byte file is "indexed" with empty text (it exists and is searchable by name;
    it yields no chunks). We run tests as root, who can read chmod-000 files: the unreadable
    entries expect "indexed" as root and "failed" (permission denied) for anyone else.
    Also creates ``<root>-outside/secret.txt`` next to ``root`` for the outside symlink.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    zoo = Zoo()
    is_root = os.geteuid() == 0 if hasattr(os, "geteuid") else False

    def put(
        rel: str | bytes,
        data: bytes,
        status: str = "indexed",
        *,
        contains: str = "",
        encoding: str = "",
        reason: str = "",
    ) -> Path:
        path = Path(os.fsdecode(os.path.join(os.fsencode(root), os.fsencode(rel))))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        key = os.fsdecode(rel)
        zoo[key] = status
        if contains:
            zoo.contains[key] = contains
        if encoding:
            zoo.encodings[key] = encoding
        if reason:
            zoo.reasons[key] = reason
        return path

    # Text in many encodings.
    put("good.txt", ENGLISH.encode(), contains="lazy dog", encoding="utf-8")
    put("笔记.md", ("# 中文笔记\n\n" + CHINESE).encode(), contains="语义搜索", encoding="utf-8")
    put("gbk.txt", CHINESE.encode("gbk"), contains="编码检测", encoding="gb18030")
    put("utf16.txt", ENGLISH.encode("utf-16"), contains="brown fox", encoding="utf-16")
    put("big5.txt", TRADITIONAL.encode("big5"), contains="繁體中文", encoding="big5")
    put("shift_jis.txt", JAPANESE.encode("shift_jis"), contains="日本語", encoding="shift_jis")
    put("latin1.txt", LATIN.encode("latin-1"), contains="Größe", encoding="cp1252")
    broken = (CHINESE + ENGLISH).encode() + b"bad bytes \xff\xfe\xc3( here\n" + CHINESE.encode()
    put("invalid_utf8.txt", broken, contains="\ufffd", encoding="utf-8")
    put("binary.txt", bytes(range(256)) * 40, "skipped", reason="binary")
    put("empty.txt", b"", contains="", encoding="utf-8")
    put("unsupported.xyz", b"some text in a type we do not read\n", "skipped", reason="unsupported")

    # Other extractors.
    put("page.html", HTML_PAGE.encode(), contains="Giraffes & zebras")
    put("notes.rst", b"Title\n=====\n\nSome *restructured* text about owls.\n", contains="owls")
    put("script.py", b"def hello():\n    return 'python code about parrots'\n", contains="parrots")
    put("config.json", b'{"animal": "penguin", "count": 3}\n', contains="penguin")
    put("README", b"Read me first: this project is about walruses.\n", contains="walruses")

    # PDFs.
    good_pdf = make_pdf(list(PDF_PAGES), title="Fruit Report")
    put("docs/two_pages.pdf", good_pdf, contains="bananas")
    put(
        "docs/corrupt.pdf",
        b"%PDF-1.4\n" + bytes(range(256)) * 8 + b"\n%%EOF\n",
        "failed",
        reason="damaged PDF",
    )
    put("docs/truncated.pdf", good_pdf[: len(good_pdf) // 2], "failed", reason="damaged PDF")
    put(
        "docs/encrypted.pdf",
        make_pdf(["top secret"], encrypt=True),
        "failed",
        reason="password-protected",
    )

    # Names.
    put("name with spaces.txt", b"spaces in the name\n", contains="spaces")
    put("new\nline.txt", b"a newline in the name\n", contains="newline")
    put("emoji 🎉 party.md", "party notes 🎉\n".encode(), contains="party notes")
    put(b"bad\xff.txt", b"a name that is not valid UTF-8\n", contains="not valid UTF-8")
    put("nested/deeper/deepest/deep.txt", b"deep inside the tree\n", contains="deep inside")

    # Special files: the extractor itself must refuse them quickly.
    big = root / "big.log"
    with open(big, "wb") as fh:
        os.truncate(fh.fileno(), SPARSE_SIZE)
    zoo["big.log"] = "skipped"
    zoo.reasons["big.log"] = "size cap"
    if hasattr(os, "mkfifo"):
        os.mkfifo(root / "pipe.txt")
        zoo["pipe.txt"] = "skipped"
        zoo.reasons["pipe.txt"] = "FIFO"
    _link("/dev/zero", root / "dev.txt")
    zoo["dev.txt"] = "skipped"
    zoo.reasons["dev.txt"] = "character device"

    # Symlinks the scanner must judge (the extractor's own answer is in ``reasons``).
    _link("loop_b.txt", root / "loop_a.txt")
    _link("loop_a.txt", root / "loop_b.txt")
    _link("nowhere.txt", root / "dangling.txt")
    outside = root.parent / f"{root.name}-outside"
    outside.mkdir(exist_ok=True)
    (outside / "secret.txt").write_bytes(b"outside the root\n")
    _link(os.path.join("..", outside.name, "secret.txt"), root / "outside.txt")
    for key, why, reason in (
        ("loop_a.txt", "symbolic link loop", "symbolic link loop"),
        ("loop_b.txt", "symbolic link loop", "symbolic link loop"),
        ("dangling.txt", "symbolic link to nothing", "broken symbolic link"),
        (
            "outside.txt",
            "symbolic link leading outside the root (extract alone would index it)",
            "",
        ),
    ):
        zoo[key] = "skipped"
        zoo.scanner_owned[key] = why
        if reason:
            zoo.reasons[key] = reason

    # Permissions (root reads them anyway).
    unreadable = put(
        "unreadable.txt",
        b"nobody may read this\n",
        "indexed" if is_root else "failed",
        contains="nobody may read",
    )
    locked = put(
        "locked/hidden.txt",
        b"hidden in a locked folder\n",
        "indexed" if is_root else "failed",
        contains="locked folder",
    )
    zoo.scanner_owned["locked/hidden.txt"] = "inside a folder nobody but root may list (chmod 000)"
    if not is_root:
        zoo.reasons["unreadable.txt"] = zoo.reasons["locked/hidden.txt"] = "permission denied"
    unreadable.chmod(0)
    locked.parent.chmod(0)
    return zoo


def unlock_zoo(root: Path) -> None:
    """Give the chmod-000 entries their permissions back so the zoo can be deleted."""
    for rel in ("locked", "unreadable.txt"):
        path = Path(root) / rel
        if path.exists() or path.is_symlink():
            path.chmod(0o755 if rel == "locked" else 0o644)


def _link(target: str, link: Path) -> None:
    os.symlink(target, link)


def make_pdf(pages: list[str], *, title: str | None = None, encrypt: bool = False) -> bytes:
    """A small valid PDF, one text line per line of each page, with a correct xref table.

    Latin text uses Helvetica; lines with other characters (Chinese…) use a Type0 font with
    Identity-H codes and a ToUnicode map, so text extraction returns them exactly.
    ``encrypt`` adds a Standard security handler whose user password is not empty.
    """
    objs: dict[int, bytes] = {
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    }
    page_ids = [10 + 2 * i for i in range(len(pages))]
    wide = sorted(
        {
            ch
            for page in pages
            for line in page.split("\n")
            if not all(_latin(c) for c in line)
            for ch in line
        }
    )
    if wide:
        objs[4] = (
            b"<< /Type /Font /Subtype /Type0 /BaseFont /SansCJK /Encoding /Identity-H"
            b" /DescendantFonts [5 0 R] /ToUnicode 7 0 R >>"
        )
        objs[5] = (
            b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SansCJK /CIDSystemInfo"
            b" << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>"
            b" /FontDescriptor 6 0 R /DW 1000 >>"
        )
        objs[6] = (
            b"<< /Type /FontDescriptor /FontName /SansCJK /Flags 4 /FontBBox [0 -200 1000 900]"
            b" /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>"
        )
        objs[7] = _stream(_to_unicode(wide))
    for index, text in enumerate(pages):
        ops = []
        for row, line in enumerate(text.split("\n")):
            ops.append(
                b"BT %s 12 Tf 72 %d Td %s Tj ET"
                % (
                    b"/F1" if all(_latin(ch) for ch in line) else b"/F2",
                    720 - 16 * row,
                    _pdf_string(line),
                )
            )
        fonts = b"/F1 3 0 R /F2 4 0 R" if wide else b"/F1 3 0 R"
        objs[page_ids[index]] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << %s >> >>"
            b" /Contents %d 0 R >>" % (fonts, page_ids[index] + 1)
        )
        objs[page_ids[index] + 1] = _stream(b"\n".join(ops))
    kids = b" ".join(b"%d 0 R" % p for p in page_ids)
    objs[2] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(pages))
    objs[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
    trailer = b"/Root 1 0 R"
    if title:
        objs[8] = b"<< /Title %s >>" % _pdf_string(title)
        trailer += b" /Info 8 0 R"
    if encrypt:
        objs[9] = b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P -44 >>" % (
            b"4f" * 32,
            b"55" * 32,
        )
        trailer += b" /Encrypt 9 0 R /ID [<%s> <%s>]" % (
            b"0123456789abcdef" * 2,
            b"0123456789abcdef" * 2,
        )
    size = max(objs) + 1
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for number in sorted(objs):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, objs[number])
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += (
            b"%010d 00000 n \n" % offsets[number] if number in offsets else b"0000000000 65535 f \n"
        )
    out += b"trailer\n<< /Size %d %s >>\nstartxref\n%d\n%%%%EOF\n" % (size, trailer, xref)
    return bytes(out)


def _latin(ch: str) -> bool:
    try:
        ch.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _pdf_string(line: str) -> bytes:
    if all(_latin(ch) for ch in line):
        raw = line.encode("cp1252")
        return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"
    return b"<" + line.encode("utf-16-be").hex().upper().encode() + b">"


def _stream(body: bytes) -> bytes:
    return b"<< /Length %d >>\nstream\n%s\nendstream" % (len(body), body)


def _to_unicode(chars: list[str]) -> bytes:
    """A ToUnicode CMap for Identity-H where each code is the character's UTF-16 unit."""
    lines = [
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        b"/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
        b"1 begincodespacerange <0000> <FFFF> endcodespacerange",
    ]
    codes = sorted({f"{ord(ch):04X}" for ch in chars if ord(ch) < 0x10000})
    for start in range(0, len(codes), 100):
        block = codes[start : start + 100]
        lines.append(b"%d beginbfchar" % len(block))
        lines += [b"<%s> <%s>" % (code.encode(), code.encode()) for code in block]
        lines.append(b"endbfchar")
    lines.append(b"endcmap CMapName currentdict /CMap defineresource pop end end")
    return b"\n".join(lines)
