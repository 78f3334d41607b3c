"""Linux desktop integration: install the .desktop entry, icons and the autostart entry (no Qt)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

from finder.core.fsutil import atomic_write_bytes, atomic_write_text

APP_ID = "semantic-finder"
ICON_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def _xdg(var: str, default: str, override: Path | None) -> Path:
    if override is not None:
        return Path(override)
    value = os.environ.get(var)
    return Path(value) if value else Path.home() / default


def _resource_root() -> Path:
    """The folder holding the shipped icons: bundle, installed package or source tree."""
    meipass = getattr(sys, "_MEIPASS", None)
    if meipass:
        return Path(meipass) / "finder" / "resources"
    return Path(str(resources.files("finder") / "resources"))


def default_exec() -> str:
    """The command that starts this install of the app, as an absolute path."""
    if getattr(sys, "frozen", False):
        return shlex.quote(sys.executable)
    return f"{shlex.quote(sys.executable)} -m finder"


def _entry_text(exec_cmd: str, *, autostart: bool = False) -> str:
    lines = [
        "[Desktop Entry]", "Type=Application", "Name=Semantic Finder", "GenericName=File Search",
        "Comment=Find files on your computer by meaning, offline",
    ]
    if autostart:
        lines += [f"Exec={exec_cmd} --minimized", "X-GNOME-Autostart-enabled=true"]
    else:
        lines += [f"Exec={exec_cmd} %U"]
    lines += [
        f"Icon={APP_ID}", "Terminal=false", "Categories=Utility;FileTools;Qt;",
        "Keywords=search;find;files;semantic;搜索;", f"StartupWMClass={APP_ID}",
    ]
    if not autostart:
        lines += [
            "MimeType=inode/directory;text/plain;application/pdf;", "Actions=QuickSearch;", "",
            "[Desktop Action QuickSearch]", "Name=Quick Search", f"Exec={exec_cmd} --quick-search",
        ]
    return "\n".join(lines) + "\n"


def _run_if_present(*cmd: str) -> None:
    if shutil.which(cmd[0]):
        try:
            subprocess.run(cmd, check=False, capture_output=True, timeout=30)
        except (OSError, subprocess.SubprocessError):
            pass


def _icon_sources() -> dict[str, Path]:
    """Map hicolor sub-folders to icon files we can install."""
    root = _resource_root() / "icons"
    found: dict[str, Path] = {}
    if (root / f"{APP_ID}.svg").is_file():
        found["scalable"] = root / f"{APP_ID}.svg"
    if (root / f"{APP_ID}-256.png").is_file():
        found["256x256"] = root / f"{APP_ID}-256.png"
    return found


def install_desktop(
    *, data_home: Path | None = None, exec_cmd: str | None = None, autostart: bool = False,
    config_home: Path | None = None,
) -> list[Path]:
    """Install the menu entry and icons for the current user; return the files written."""
    data = _xdg("XDG_DATA_HOME", ".local/share", data_home)
    cmd = exec_cmd or default_exec()
    written: list[Path] = []
    entry = data / "applications" / f"{APP_ID}.desktop"
    atomic_write_text(entry, _entry_text(cmd))
    written.append(entry)
    for folder, src in _icon_sources().items():
        target = data / "icons" / "hicolor" / folder / "apps" / f"{APP_ID}{src.suffix}"
        atomic_write_bytes(target, src.read_bytes())
        written.append(target)
    _run_if_present("update-desktop-database", str(data / "applications"))
    _run_if_present("gtk-update-icon-cache", "-f", "-t", str(data / "icons" / "hicolor"))
    if autostart:
        written += set_autostart(True, exec_cmd=cmd, config_home=config_home)
    return written


def set_autostart(
    enabled: bool, *, exec_cmd: str | None = None, config_home: Path | None = None
) -> list[Path]:
    """Turn "start at login" on or off; return the files written."""
    path = _xdg("XDG_CONFIG_HOME", ".config", config_home) / "autostart" / f"{APP_ID}.desktop"
    if not enabled:
        path.unlink(missing_ok=True)
        return []
    atomic_write_text(path, _entry_text(exec_cmd or default_exec(), autostart=True))
    return [path]


def uninstall_desktop(*, data_home: Path | None = None, config_home: Path | None = None) -> list[Path]:
    """Remove everything install_desktop wrote; return the files removed."""
    data = _xdg("XDG_DATA_HOME", ".local/share", data_home)
    candidates = [data / "applications" / f"{APP_ID}.desktop"]
    hicolor = data / "icons" / "hicolor"
    if hicolor.is_dir():
        candidates += sorted(hicolor.glob(f"*/apps/{APP_ID}.*"))
    candidates.append(_xdg("XDG_CONFIG_HOME", ".config", config_home) / "autostart" / f"{APP_ID}.desktop")
    removed = [p for p in candidates if p.is_file()]
    for p in removed:
        p.unlink()
    _run_if_present("update-desktop-database", str(data / "applications"))
    return removed
