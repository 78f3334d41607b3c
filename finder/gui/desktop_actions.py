"""Open a file, reveal it in the file manager, copy its path: the actions on a result."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication


def open_path(path: str) -> bool:
    """Open with the user's default application (non-blocking: Qt spawns the opener)."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(path))


def reveal_path(path: str) -> bool:
    """Show the file selected in the file manager (FileManager1 over D-Bus), else open its folder."""
    try:
        from PySide6.QtDBus import QDBusConnection, QDBusMessage

        bus = QDBusConnection.sessionBus()
        iface = bus.interface() if bus.isConnected() else None
        # A quick question to the local bus daemon; the file manager call itself is not awaited.
        if iface is not None and iface.isServiceRegistered("org.freedesktop.FileManager1").value():
            msg = QDBusMessage.createMethodCall(
                "org.freedesktop.FileManager1", "/org/freedesktop/FileManager1",
                "org.freedesktop.FileManager1", "ShowItems")
            msg.setArguments([[QUrl.fromLocalFile(path).toString()], ""])
            if bus.send(msg):
                return True
    except ImportError:
        pass
    folder = path if os.path.isdir(path) else str(Path(path).parent)
    return QDesktopServices.openUrl(QUrl.fromLocalFile(folder))


_copied = False  # our Python-made mime data may be on the clipboard


def release_clipboard() -> None:
    """Hand the clipboard a C++-owned copy of our text before exit.

    Mime data made in Python and owned by the clipboard is destroyed by Qt's exit handlers
    after Python has shut down, which crashes the process; a plain-text copy made by Qt is safe.
    """
    global _copied
    clipboard = QGuiApplication.clipboard()
    if _copied and clipboard is not None:
        clipboard.setText(clipboard.text())
        _copied = False


def copy_path(path: str) -> None:
    """Put the path on the clipboard as text and as a file URL (pastes into file managers)."""
    from PySide6.QtCore import QMimeData

    mime = QMimeData()
    mime.setText(path)
    mime.setUrls([QUrl.fromLocalFile(path)])
    global _copied
    QGuiApplication.clipboard().setMimeData(mime)
    _copied = True
