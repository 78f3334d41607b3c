"""The problems panel: a corrupt PDF is listed with its reason, and Retry re-reads it."""

from __future__ import annotations

import os

from tests.zoo import make_pdf


def test_corrupt_pdf_listed_and_retry(qtbot, corpus, service, make_app):  # type: ignore[no-untyped-def]
    bad = corpus / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage without xref\n")
    service.index([corpus], embed=False)
    app = make_app()
    w = app.window
    w.show()
    qtbot.waitUntil(lambda: w.panel.problems.isVisible())
    assert "1 problem" in w.panel.problems.text()
    w.panel.problems.click()
    dialog = w.problems_dialog
    qtbot.waitUntil(lambda: dialog.loaded > 0 and bool(dialog.rows()))
    (path, status, reason), = dialog.rows()
    assert os.path.basename(path) == "broken.pdf"
    assert status == "Failed" and reason
    assert dialog.retry_button.isEnabled()

    bad.write_bytes(make_pdf(["Repaired document about lighthouses."]))
    dialog.retry_button.click()
    qtbot.waitUntil(lambda: not dialog.rows(), timeout=30_000)
    assert dialog.empty.isVisible() or not dialog.isVisible()
    hits = service.search("lighthouses", mode="lexical")
    assert hits and os.path.basename(hits[0].path) == "broken.pdf"
