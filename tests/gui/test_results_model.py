"""The results model passes Qt's model tester and exposes the hit fields through roles."""

from __future__ import annotations

from finder.core.types import Hit, Passage
from finder.gui.results_model import ResultsModel, Role


def hits() -> list[Hit]:
    return [
        Hit("/docs/a.txt", 0.9, 1, [Passage(1, "apple pie", [(0, 5)], None)], ["lexical"], 10, 1.7e9, "text"),
        Hit("/docs/sub/b.pdf", 0.5, 2, [Passage(2, "page two", [], 2)], ["vector"], 99, 1.6e9, "pdf"),
        Hit("/docs/c.md", 0.1, 3, [], ["name"], 1, 0.0, "markdown"),
    ]


def test_qt_model_tester(qtmodeltester):  # type: ignore[no-untyped-def]
    model = ResultsModel()
    model.set_hits(hits(), "apple", "hybrid")
    qtmodeltester.check(model, force_py=True)
    model.clear()
    qtmodeltester.check(model, force_py=True)


def test_roles():  # type: ignore[no-untyped-def]
    model = ResultsModel()
    model.set_hits(hits(), "apple", "lexical")
    first, second = model.index(0, 0), model.index(1, 0)
    assert first.data() == "a.txt"
    assert first.data(Role.FOLDER) == "/docs"
    assert first.data(Role.HIGHLIGHTS) == [(0, 5)]
    assert second.data(Role.PAGE) == 2 and second.data(Role.KIND) == "pdf"
    assert model.index(2, 0).data(Role.SNIPPET) == ""
    assert model.row_of("/docs/c.md") == 2
    assert model.mimeData([first]).urls()[0].toLocalFile() == "/docs/a.txt"
