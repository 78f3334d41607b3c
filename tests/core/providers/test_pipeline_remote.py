"""Each remote provider indexes and searches a folder end to end, and private text never leaves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fake_api import KEY, FakeAPI

from finder.core.config import Settings
from finder.core.embed.presets import apply_provider_choice
from finder.core.service import FinderService

SECRET = "SECRET-MARKER-7f3a"


def build_corpus(root: Path) -> Path:
    files = {
        "recipes/apple_pie.md": "Apple pie with cinnamon: bake the apples in a buttery crust.",
        "finance/rates.txt": "The central bank raised interest rates; bond markets fell.",
        "中文/水果.txt": "苹果和香蕉都是水果，对健康有好处。",
        "credentials.json": f'{{"token": "{SECRET}", "note": "apple pie"}}',
        "bitwarden_export_2026.json": f'{{"password": "{SECRET}", "site": "apple pie"}}',
        "node_modules/pkg/README.md": f"apple pie {SECRET} from a dependency",
        "private/diary.txt": f"apple pie {SECRET} in a folder the user excluded",
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


FLAVORS = [
    ("openai", "openai", {"dimensions": 256}),
    ("dashscope-compatible", "dashscope-compatible", {"dimensions": 256}),
    ("zhipu", "zhipu", {"model": "embedding-3", "dimensions": 256}),
    ("gemini", "gemini", {"dimensions": 256}),
    ("dashscope", "dashscope", {"dimensions": 256}),
]


@pytest.mark.parametrize(("flavor", "preset", "extra"), FLAVORS, ids=[f[0] for f in FLAVORS])
def test_remote_provider_end_to_end(flavor: str, preset: str, extra: dict, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINDER_TEST_KEY", KEY)
    api = FakeAPI(flavor, key=KEY, dim=256)
    try:
        settings = apply_provider_choice(Settings(exclude=("private/",)), preset, base_url=api.base_url,
                                         api_key_env="FINDER_TEST_KEY", **extra)
        svc = FinderService(home=tmp_path / "home", settings=settings)
        corpus = build_corpus(tmp_path / "docs")
        svc.index([corpus])
        st = svc.status()
        assert st.provider == preset and st.failed == 0
        private = svc.catalog.reader().execute("SELECT COUNT(*) FROM files WHERE private=1").fetchone()[0]
        assert private == 2  # both secret-looking files are indexed for keywords, never embedded
        assert st.embedded_chunks == st.chunks - 2
        sent = json.dumps([seen.body for seen in api.seen], ensure_ascii=False)
        assert api.seen and SECRET not in sent and "dependency" not in sent and "diary" not in sent
        assert "cinnamon" in sent and "水果" in sent
        hits = svc.search("apple pie cinnamon", mode="vector")
        assert hits and Path(hits[0].path).name == "apple_pie.md"
        assert Path(svc.search("interest rates at the central bank")[0].path).name == "rates.txt"
        # Keyword search still finds the secret file locally: it just never leaves the machine.
        assert any(Path(h.path).name == "credentials.json" for h in svc.search(SECRET, mode="lexical"))
        svc.close()
    finally:
        api.stop()


def _png(path: Path, colour: tuple[int, int, int]) -> None:
    """A real 8×8 PNG (no image library needed)."""
    import struct
    import zlib

    raw = b"".join(b"\x00" + bytes(colour) * 8 for _ in range(8))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def test_images_are_indexed_only_with_a_multimodal_provider(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINDER_TEST_KEY", KEY)
    docs = tmp_path / "docs"
    docs.mkdir()
    _png(docs / "beach_sunset.png", (250, 120, 40))
    _png(docs / "forest.png", (20, 140, 30))
    (docs / "notes.txt").write_text("Holiday notes: the beach at sunset was beautiful.")
    api = FakeAPI("gemini", key=KEY, dim=256)
    try:
        text_only = apply_provider_choice(Settings(), "gemini", base_url=api.base_url,
                                          api_key_env="FINDER_TEST_KEY", dimensions=256)
        svc = FinderService(home=tmp_path / "h1", settings=text_only)
        svc.index([docs])
        assert svc.status().indexed == 1  # no multimodal model: images are not indexed at all
        svc.close()

        multimodal = apply_provider_choice(Settings(multimodal=True), "gemini", base_url=api.base_url,
                                           api_key_env="FINDER_TEST_KEY", dimensions=256)
        svc = FinderService(home=tmp_path / "h2", settings=multimodal)
        svc.index([docs])
        st = svc.status()
        assert st.indexed == 3 and st.failed == 0
        kinds = dict(svc.catalog.reader().execute("SELECT name, kind FROM files").fetchall())
        assert kinds["forest.png"] == "image"
        images = [s for s in api.seen if "inline_data" in json.dumps(s.body)]
        assert len(images) >= 1  # the image bytes went to the embedding service
        model = svc.provider().model_id
        vecs = svc.catalog.reader().execute(
            "SELECT COUNT(*) FROM vectors WHERE model_id=? AND text_hash LIKE 'media:%'", (model,)).fetchone()[0]
        assert vecs == 2
        # Found by name at once, and by meaning through the image vector.
        assert Path(svc.search("beach sunset", mode="lexical")[0].path).name in {"beach_sunset.png", "notes.txt"}
        vector_hits = {Path(h.path).name for h in svc.search("forest", mode="vector", limit=10)}
        assert vector_hits & {"forest.png", "beach_sunset.png"}
        # Switching back to a text-only model drops the images at the next scan.
        svc.update_settings(text_only)
        svc.scan()
        assert svc.status().indexed == 1
        svc.close()
    finally:
        api.stop()


def test_scanned_pdf_is_embedded_as_pages_by_a_multimodal_provider(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import pypdfium2 as pdfium

    monkeypatch.setenv("FINDER_TEST_KEY", KEY)
    docs = tmp_path / "docs"
    docs.mkdir()
    pdf = pdfium.PdfDocument.new()
    for _ in range(8):  # 8 pages without a text layer, like a scan: two windows of ≤ 6 pages
        pdf.new_page(200, 200)
    pdf.save(str(docs / "scanned_contract.pdf"))
    pdf.close()
    api = FakeAPI("gemini", key=KEY, dim=256)
    try:
        settings = apply_provider_choice(Settings(multimodal=True), "gemini", base_url=api.base_url,
                                         api_key_env="FINDER_TEST_KEY", dimensions=256)
        svc = FinderService(home=tmp_path / "h", settings=settings)
        svc.index([docs])
        media = svc.catalog.reader().execute("SELECT media FROM chunks").fetchall()
        assert media == [("application/pdf",)]
        sent = [s for s in api.seen if "application/pdf" in json.dumps(s.body)]
        assert sent and svc.status().embedded_chunks == 1
        svc.close()
    finally:
        api.stop()
