"""Global hotkey on X11 (python-xlib XGrabKey on the root window); a clear "not available" elsewhere.

The X connection's file descriptor is watched with a QSocketNotifier, so key presses arrive on
the GUI thread without a polling thread. NumLock/CapsLock/ScrollLock variants are grabbed too,
or the shortcut would silently stop working whenever NumLock is on.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from PySide6.QtCore import QObject, QSocketNotifier, Signal
from PySide6.QtGui import QGuiApplication

from finder.gui.i18n import tr

log = logging.getLogger(__name__)

_KEY_NAMES = {
    "space": "space", "return": "Return", "enter": "Return", "tab": "Tab", "esc": "Escape",
    "escape": "Escape", "backspace": "BackSpace", "delete": "Delete", "del": "Delete",
    "insert": "Insert", "home": "Home", "end": "End", "pgup": "Prior", "pageup": "Prior",
    "pgdown": "Next", "pagedown": "Next", "up": "Up", "down": "Down", "left": "Left", "right": "Right",
    "/": "slash", ".": "period", ",": "comma", ";": "semicolon", "`": "grave", "-": "minus",
    "=": "equal", "'": "apostrophe", "\\": "backslash", "[": "bracketleft", "]": "bracketright",
}


def parse_sequence(sequence: str) -> tuple[list[str], str]:
    """"Ctrl+Alt+Space" → (["ctrl", "alt"], "space"); raises ValueError when malformed."""
    parts = [p.strip() for p in sequence.replace(" ", "").split("+")]
    if sequence.endswith("++"):
        parts = parts[:-2] + ["+"]
    if not parts or not parts[-1]:
        raise ValueError(f"'{sequence}' is not a shortcut")
    mods = [p.lower() for p in parts[:-1]]
    for m in mods:
        if m not in ("ctrl", "control", "alt", "shift", "meta", "super", "win"):
            raise ValueError(f"unknown modifier '{m}' in '{sequence}'")
    return mods, parts[-1]


def availability() -> tuple[bool, str]:
    """Whether a global hotkey can work in this session, and why not."""
    platform = QGuiApplication.platformName() if QGuiApplication.instance() else ""
    if platform == "wayland" or (os.environ.get("WAYLAND_DISPLAY") and platform != "xcb"):
        return False, tr("Global shortcuts are not available on Wayland; use your desktop's "
                         "keyboard settings to run `semantic-finder`.")
    if platform and platform != "xcb":
        return False, tr("Global shortcuts need an X11 session (this one runs on '%1').").replace("%1", platform)
    if not os.environ.get("DISPLAY"):
        return False, tr("Global shortcuts need an X11 display.")
    try:
        import Xlib  # noqa: F401
    except ImportError:
        return False, tr("Global shortcuts need the python-xlib package.")
    return True, ""


class GlobalHotkey(QObject):
    """``start("Ctrl+Alt+Space")`` → (ok, message); ``activated`` fires on each press."""

    activated = Signal()

    def __init__(self, parent: QObject | None = None, display_name: str | None = None) -> None:
        super().__init__(parent)
        self.display_name = display_name
        self.message = ""
        self.sequence = ""
        self._display: Any = None
        self._root: Any = None
        self._grabs: list[tuple[int, int]] = []
        self._notifier: QSocketNotifier | None = None

    @property
    def active(self) -> bool:
        return bool(self._grabs)

    def start(self, sequence: str, *, check_platform: bool = True) -> tuple[bool, str]:
        self.stop()
        self.sequence = sequence
        if check_platform:
            ok, why = availability()
            if not ok:
                self.message = why
                return False, why
        try:
            from Xlib import XK, X, error
            from Xlib.display import Display
        except ImportError:
            self.message = tr("Global shortcuts need the python-xlib package.")
            return False, self.message
        try:
            mods, key = parse_sequence(sequence)
        except ValueError as exc:
            self.message = str(exc)
            return False, self.message
        try:
            display = Display(self.display_name)
        except Exception as exc:  # noqa: BLE001 - Xlib raises several kinds
            self.message = tr("Cannot connect to the X display: %1").replace("%1", str(exc))
            return False, self.message
        mask = 0
        for m in mods:
            mask |= {"ctrl": X.ControlMask, "control": X.ControlMask, "alt": X.Mod1Mask,
                     "shift": X.ShiftMask, "meta": X.Mod4Mask, "super": X.Mod4Mask, "win": X.Mod4Mask}[m]
        keysym = XK.string_to_keysym(_KEY_NAMES.get(key.lower(), key if len(key) > 1 else key.lower()))
        keycode = display.keysym_to_keycode(keysym) if keysym else 0
        if not keycode:
            display.close()
            self.message = tr("Unknown key '%1'").replace("%1", key)
            return False, self.message
        root = display.screen().root
        caught = error.CatchError(error.BadAccess)
        numlock, capslock, scroll = X.Mod2Mask, X.LockMask, X.Mod5Mask
        variants = {0, numlock, capslock, scroll, numlock | capslock, numlock | scroll,
                    capslock | scroll, numlock | capslock | scroll}
        grabs = []
        for extra in sorted(variants):
            root.grab_key(keycode, mask | extra, True, X.GrabModeAsync, X.GrabModeAsync, onerror=caught)
            grabs.append((keycode, mask | extra))
        display.sync()
        if caught.get_error():
            for code, m in grabs:
                root.ungrab_key(code, m)
            display.sync()
            display.close()
            self.message = tr("%1 is already used by another application").replace("%1", sequence)
            return False, self.message
        self._display, self._root, self._grabs = display, root, grabs
        self._notifier = QSocketNotifier(display.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_readable)
        self.message = tr("%1 opens Semantic Finder from anywhere").replace("%1", sequence)
        return True, self.message

    def _on_readable(self, *_args: Any) -> None:
        from Xlib import X

        display = self._display
        if display is None:
            return
        fired = False
        while display.pending_events():
            event = display.next_event()
            if event.type == X.KeyPress and any(event.detail == code for code, _m in self._grabs):
                fired = True
        if fired:
            self.activated.emit()

    def stop(self) -> None:
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier.deleteLater()
            self._notifier = None
        if self._display is not None:
            try:
                for code, m in self._grabs:
                    self._root.ungrab_key(code, m)
                self._display.sync()
                self._display.close()
            except Exception as exc:  # noqa: BLE001 - the X server may already be gone
                log.debug("releasing the hotkey: %s", exc)
        self._display = self._root = None
        self._grabs = []
