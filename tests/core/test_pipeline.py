"""The pipeline end to end on real files: index, search, rename, edit, delete, forget."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from fakes import write
from finder.core.search import SearchFilters


def names(hits) -> list[str]:  # type: ignore[no-untyped-def]
    return [Path(h.path).name for h in hits]


def test_keyword_and_filename_search(make_service, corpus: Path, hash_provider) -> None:
    svc = make_service(hash_provider)
    svc.index([corpus], embed=False)
    st = svc.status()
    assert st.indexed == 7 and st.failed == 0 and st.pending == 0
    assert names(svc.search("ripe bananas", mode="lexical"))[0] == "banana_bread.md"
    assert names(svc.search("quarterly_report.txt", mode="lexical"))[0] == "quarterly_report.txt"
    assert names(svc.search("kyoto", mode="lexical"))[0] == "kyoto_trip.txt"
    # A natural Chinese sentence finds the document sharing its words (bigrams, no spaces).
    assert names(svc.search("怎么添加新用户账号", mode="lexical"))[0] == "账户管理.txt"
    assert names(svc.search("硬盘分区", mode="lexical"))[0] == "磁盘.txt"
    hit = svc.search("bamboo forest", mode="lexical")[0]
    assert "bamboo forest" in hit.snippet.lower()
    assert any(hit.snippet[a:b].lower() == "bamboo" for a, b in hit.passages[0].highlights)
    assert "lexical" in hit.channels
    assert hit.to_json()["path"].endswith("kyoto_trip.txt")


def test_filters(make_service, corpus: Path, hash_provider) -> None:
    svc = make_service(hash_provider)
    svc.index([corpus], embed=False)
    only_code = svc.search("http server port", mode="lexical", filters=SearchFilters(kinds=frozenset({"code"})))
    assert names(only_code) == ["server.py"]
    in_travel = svc.search("temples", mode="lexical", filters=SearchFilters(folder=str(corpus / "travel")))
    assert names(in_travel) == ["kyoto_trip.txt"]
    assert svc.search("temples", mode="lexical", filters=SearchFilters(folder=str(corpus / "work"))) == []


def test_embedding_is_never_repeated(make_service, corpus: Path, hash_provider, tmp_path: Path) -> None:
    svc = make_service(hash_provider)
    svc.index([corpus])
    first = len(hash_provider.embedded)
    assert first > 0 and svc.status().embedded_chunks == svc.status().chunks
    # Re-index, rename a folder, duplicate a file: nothing is embedded again.
    svc.index([corpus])
    os.rename(corpus / "travel", corpus / "trips")
    shutil.copy(corpus / "work/quarterly_report.txt", corpus / "work/copy_of_report.txt")
    result = svc.scan()
    assert result.renamed == 1 and result.removed == 0
    svc.extract_pending()
    svc.embed()
    assert len(hash_provider.embedded) == first
    assert names(svc.search("temples bamboo", mode="vector"))[0] == "kyoto_trip.txt"
    assert svc.search("temples bamboo")[0].path.endswith("trips/kyoto_trip.txt")
    # A restart with the same catalog embeds nothing either.
    svc.close()
    again = make_service(hash_provider, home=tmp_path / "home")
    again.index([corpus])
    assert len(hash_provider.embedded) == first


def test_edit_only_embeds_changed_text(make_service, tmp_path: Path, hash_provider) -> None:
    root = tmp_path / "notes"
    paras = [f"Paragraph number {i} about topic {i} " + "lorem ipsum " * 60 for i in range(6)]
    doc = write(root / "long.txt", "\n\n".join(paras))
    svc = make_service(hash_provider)
    svc.index([root])
    before = len(hash_provider.embedded)
    paras[-1] = "A completely new closing paragraph about zebras " + "dolor sit " * 60
    doc.write_text("\n\n".join(paras))
    svc.index([root])
    new = hash_provider.embedded[before:]
    assert 1 <= len(new) <= 2  # only the chunk(s) holding the changed paragraph
    assert names(svc.search("zebras", mode="lexical")) == ["long.txt"]


def test_deleted_files_leave_the_index(make_service, corpus: Path, hash_provider) -> None:
    svc = make_service(hash_provider)
    svc.index([corpus], embed=False)
    (corpus / "recipes/banana_bread.md").unlink()
    assert svc.scan().removed == 1
    assert svc.search("bananas", mode="lexical") == []
    assert svc.forget(corpus / "中文") == 3
    assert svc.search("硬盘分区", mode="lexical") == []
    assert svc.status().indexed == 3


def test_hostile_zoo(make_service, tmp_path: Path, hash_provider) -> None:
    from zoo import build_zoo, unlock_zoo

    from finder.core.extract import is_supported

    root = tmp_path / "zoo"
    zoo = build_zoo(root)
    try:
        svc = make_service(hash_provider)
        svc.index([root])
        st = svc.status(error_limit=1000)
        by_path = {p: (s, r) for p, s, r in st.errors}
        conn = svc.catalog.reader()
        status_of = {os.fsdecode(p): s for p, s in conn.execute("SELECT path, status FROM files")}
        for rel, expected in zoo.items():
            full = os.fsdecode(os.path.join(os.fsencode(root), os.fsencode(rel)))
            if rel in zoo.scanner_owned:
                continue
            got = status_of.get(full)
            if got is None and expected == "skipped" and not is_supported(Path(full)):
                continue  # unsupported types are left out silently, not listed as problems
            assert got == expected, f"{rel!r}: expected {expected}, got {got}"
            if expected != "indexed":
                shown = os.fsencode(full).decode("utf-8", "replace")
                assert by_path[shown][1], f"{rel!r} has no reason"
        # Scanner-owned entries (loops, links out of the root) are reported, never followed.
        reasons = " ".join(r for _p, _s, r in st.errors)
        assert "symbolic link" in reasons
        assert st.pending == 0
        # The good files are searchable.
        assert svc.search("zoo", limit=50, mode="lexical") is not None
    finally:
        unlock_zoo(root)


def test_forget_a_subfolder_sticks_and_status_counts_copies(make_service, corpus: Path, hash_provider) -> None:
    svc = make_service(hash_provider)
    shutil.copy(corpus / "work/quarterly_report.txt", corpus / "work/report_copy.txt")
    svc.index([corpus], embed=False)
    st = svc.status()
    assert st.embedded_chunks == 0 and st.chunks == 8  # identical copies are not "embedded" either
    svc.embed()
    assert svc.status().embedded_chunks == 8
    assert svc.forget(corpus / "travel") == 1
    svc.scan()
    svc.extract_pending()
    assert svc.search("kyoto temples", mode="lexical") == []  # the next scan does not bring it back
    assert "/travel/" in svc.settings.exclude
    similar = svc.similar(corpus / "work/quarterly_report.txt")
    assert all(Path(h.path).name != "report_copy.txt" for h in similar)
