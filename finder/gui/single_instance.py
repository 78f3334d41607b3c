"""One app per user and data home: a second launch hands its paths to the first and exits."""

from __future__ import annotations

import getpass
import hashlib
import json
import os

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket


def server_name(home: str | None = None) -> str:
    """Unique per user and FINDER_HOME, so tests and a second data home do not collide."""
    home = home or os.environ.get("FINDER_HOME", "")
    digest = hashlib.blake2b(home.encode(), digest_size=6).hexdigest()
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in some containers
        user = str(os.getuid()) if hasattr(os, "getuid") else "user"
    return f"semantic-finder-{user}-{digest}"


class SingleInstance(QObject):
    """``send(paths)`` from a second launch; ``message_received(paths)`` in the first."""

    message_received = Signal(list)

    def __init__(self, name: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name or server_name()
        self.server: QLocalServer | None = None
        self._buffers: dict[QLocalSocket, bytearray] = {}

    def send(self, paths: list[str], timeout_ms: int = 500) -> bool:
        """True when another instance took the message (then this process should exit)."""
        sock = QLocalSocket()
        sock.connectToServer(self.name)
        if not sock.waitForConnected(timeout_ms):
            return False
        sock.write(json.dumps({"paths": paths, "show": True}).encode() + b"\n")
        ok = sock.waitForBytesWritten(timeout_ms)
        sock.disconnectFromServer()
        return ok

    def listen(self) -> bool:
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            QLocalServer.removeServer(self.name)  # left behind by a crashed instance
            if not server.listen(self.name):
                return False
        server.newConnection.connect(self._on_connection)
        self.server = server
        return True

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None

    def _on_connection(self) -> None:
        assert self.server is not None
        while self.server.hasPendingConnections():
            sock = self.server.nextPendingConnection()
            self._buffers[sock] = bytearray()
            sock.readyRead.connect(self._on_ready)
            sock.disconnected.connect(self._on_disconnected)

    def _on_ready(self) -> None:
        sock = self.sender()
        if isinstance(sock, QLocalSocket) and sock in self._buffers:
            self._buffers[sock].extend(bytes(sock.readAll().data()))

    def _on_disconnected(self) -> None:
        sock = self.sender()
        if not isinstance(sock, QLocalSocket):
            return
        data = self._buffers.pop(sock, bytearray())
        data.extend(bytes(sock.readAll().data()))
        sock.deleteLater()
        for line in bytes(data).splitlines():
            if line.strip():
                self._deliver(line)

    def _deliver(self, data: bytes) -> None:
        try:
            message = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return
        paths = [str(p) for p in message.get("paths", []) if isinstance(p, str)]
        self.message_received.emit(paths)
