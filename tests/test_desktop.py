"""Tests for the Linux desktop entry, icons and autostart integration."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from finder import desktop

ROOT = Path(__file__).resolve().parents[1]
VALIDATE = shutil.which("desktop-file-validate")
needs_validate = pytest.mark.skipif(
    VALIDATE is None, reason="desktop-file-validate missing (apt-get install desktop-file-utils)"
)


def _validate(path: Path) -> None:
    assert VALIDATE is not None
    result = subprocess.run([VALIDATE, str(path)], capture_output=True, text=True, timeout=10)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


@needs_validate
def test_shipped_entry_validates() -> None:
    _validate(ROOT / "resources" / "semantic-finder.desktop")


def test_shipped_png_sizes() -> None:
    for size in desktop.ICON_SIZES:
        png = ROOT / "resources" / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "semantic-finder.png"
        data = png.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert int.from_bytes(data[16:20], "big") == size


def test_install_autostart_uninstall(tmp_path: Path) -> None:
    data, cfg = tmp_path / "data", tmp_path / "cfg"
    written = desktop.install_desktop(data_home=data, config_home=cfg, autostart=True)
    entry = data / "applications" / "semantic-finder.desktop"
    auto = cfg / "autostart" / "semantic-finder.desktop"
    assert entry in written and auto in written
    assert (data / "icons/hicolor/scalable/apps/semantic-finder.svg").is_file()
    assert (data / "icons/hicolor/256x256/apps/semantic-finder.png").is_file()
    exec_line = next(l for l in entry.read_text().splitlines() if l.startswith("Exec="))
    assert Path(exec_line[5:].split()[0]).is_absolute()
    assert "--minimized" in auto.read_text() and "X-GNOME-Autostart-enabled=true" in auto.read_text()
    if VALIDATE:
        _validate(entry)
        _validate(auto)
    desktop.set_autostart(False, config_home=cfg)
    assert not auto.exists()
    desktop.set_autostart(True, config_home=cfg)
    assert auto.exists()
    removed = desktop.uninstall_desktop(data_home=data, config_home=cfg)
    assert entry in removed and auto in removed
    leftovers = [p for p in tmp_path.rglob("*") if p.is_file() and "cache" not in p.name]
    assert not leftovers, leftovers  # shared caches (mimeinfo.cache) may stay
