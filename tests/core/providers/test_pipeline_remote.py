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
