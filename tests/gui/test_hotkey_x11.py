"""The global hotkey under a real X server (Xvfb): XGrabKey on the root window, xdotool presses it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from finder.gui.hotkey import GlobalHotkey

pytestmark = pytest.mark.skipif(not (shutil.which("Xvfb") and shutil.which("xdotool")),
                                reason="needs Xvfb and xdotool")


@pytest.fixture
def xserver(qtbot):  # type: ignore[no-untyped-def]
    number = 170 + os.getpid() % 50
    proc = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", "640x480x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    qtbot.waitUntil(lambda: Path(f"/tmp/.X11-unix/X{number}").exists(), timeout=10_000)
    yield f":{number}"
    proc.terminate()
    proc.wait(10)


def test_hotkey_fires_with_numlock_variants(qtbot, xserver):  # type: ignore[no-untyped-def]
    hotkey = GlobalHotkey(display_name=xserver)
    ok, message = hotkey.start("Ctrl+Alt+Space", check_platform=False)
    assert ok, message
    assert len(hotkey._grabs) == 8  # NumLock / CapsLock / ScrollLock combinations
    env = dict(os.environ, DISPLAY=xserver)
    with qtbot.waitSignal(hotkey.activated, timeout=10_000):
        subprocess.run(["xdotool", "key", "ctrl+alt+space"], env=env, check=True)
    # A second client cannot take the same shortcut: we say so instead of failing silently.
    other = GlobalHotkey(display_name=xserver)
    ok2, message2 = other.start("Ctrl+Alt+Space", check_platform=False)
    assert not ok2 and "already used" in message2
    hotkey.stop()
    assert not hotkey.active
