"""Switching the embedding model builds a new index while the old one keeps answering."""

from __future__ import annotations

from pathlib import Path

from finder.core.config import Settings
from finder.core.service import FinderService


def test_old_model_answers_until_new_index_is_ready(tmp_path: Path, corpus: Path) -> None:
    home = tmp_path / "home"
    svc = FinderService(home=home, settings=Settings(english_model=""))
    svc.index([corpus])
    assert svc.serving_model() == "local/use-m3"
    svc.update_settings(svc.settings.replace(model="minilm"))
    svc.close()

    # Restart with the new setting: nothing embedded for it yet, the old model still answers.
    svc = FinderService(home=home)
    assert svc.provider().model_id == "local/minilm"
    hits = svc.search("baking with ripe bananas", mode="vector")
    assert hits and Path(hits[0].path).name == "banana_bread.md"
    provider, _index = svc._semantic() or (None, None)
    assert provider is not None and provider.model_id == "local/use-m3"

    svc.embed()  # the new index is complete: it takes over, and the vectors never mix
    assert svc.serving_model() == "local/minilm"
    provider, index = svc._semantic() or (None, None)
    assert provider is not None and provider.model_id == "local/minilm" and index.dimension == 384
    assert Path(svc.search("baking with ripe bananas", mode="vector")[0].path).name == "banana_bread.md"
    rows = dict(svc.catalog.reader().execute("SELECT model_id, COUNT(*) FROM vectors GROUP BY model_id"))
    assert rows["local/use-m3"] == rows["local/minilm"] > 0
    svc.close()
