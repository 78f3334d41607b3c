"""Render the app icon SVGs to PNG/ICO/ICNS and copy what the app loads into finder/resources."""

from __future__ import annotations

import argparse
import os
import shutil
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
ICONS = ROOT / "resources" / "icons"
APP_ICONS = ROOT / "finder" / "resources" / "icons"
NAME = "semantic-finder"
SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS element types holding PNG data, by pixel size (retina variants share pixel sizes).
ICNS_TYPES = (
    (b"icp4", 16), (b"icp5", 32), (b"ic11", 32), (b"icp6", 64), (b"ic12", 64),
    (b"ic07", 128), (b"ic08", 256), (b"ic13", 256), (b"ic09", 512), (b"ic14", 512),
)


def _app() -> object:
    from PySide6.QtGui import QGuiApplication

    return QGuiApplication.instance() or QGuiApplication([sys.argv[0]])


def render(svg: Path, size: int, background: int | None = None) -> object:
    """Return a ``size``×``size`` QImage of ``svg``, transparent unless ``background`` (0xRRGGBB)."""
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QColor, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"invalid SVG: {svg}")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor(background) if background is not None else Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image.convertToFormat(QImage.Format.Format_ARGB32)


def png_bytes(image: object) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")  # type: ignore[attr-defined]
    buf.close()
    return bytes(data.data())


def write_ico(path: Path, pngs: dict[int, bytes]) -> None:
    """Write a Windows .ico whose entries are PNG-compressed (Vista and later)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = 6 + 16 * len(sizes)
    entries, blobs = b"", b""
    for s in sizes:
        blob = pngs[s]
        dim = 0 if s >= 256 else s
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(blob), offset)
        offset += len(blob)
        blobs += blob
    path.write_bytes(header + entries + blobs)


def write_icns(path: Path, pngs: dict[int, bytes]) -> None:
    """Write a macOS .icns made of PNG elements."""
    body = b"".join(
        kind + struct.pack(">I", 8 + len(pngs[s])) + pngs[s] for kind, s in ICNS_TYPES if s in pngs
    )
    path.write_bytes(b"icns" + struct.pack(">I", 8 + len(body)) + body)


def contact_sheet(svgs: list[Path], out: Path, sizes: tuple[int, ...]) -> None:
    """Draw every size of every SVG on light and dark strips, for eyeballing."""
    from PySide6.QtGui import QColor, QImage, QPainter

    pad = 8
    width = sum(sizes) + pad * (len(sizes) + 1)
    row = max(sizes) + 2 * pad
    sheet = QImage(width, row * 2 * len(svgs), QImage.Format.Format_ARGB32)
    painter = QPainter(sheet)
    for i, svg in enumerate(svgs):
        for j, bg in enumerate((0xF2F2F2, 0x2B2B2B)):
            y0 = (2 * i + j) * row
            painter.fillRect(0, y0, width, row, QColor(bg))
            x = pad
            for s in sizes:
                painter.drawImage(x, y0 + pad, render(svg, s))
                x += s + pad
    painter.end()
    sheet.save(str(out))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--preview", type=Path, help="also write a contact sheet PNG here")
    args = parser.parse_args(argv)
    _app()
    app_svg = ICONS / f"{NAME}.svg"
    tray_svg = ICONS / f"{NAME}-tray.svg"
    pngs: dict[int, bytes] = {}
    for size in SIZES:
        target = ICONS / "hicolor" / f"{size}x{size}" / "apps" / f"{NAME}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        pngs[size] = png_bytes(render(app_svg, size))
        target.write_bytes(pngs[size])
    scalable = ICONS / "hicolor" / "scalable" / "apps"
    scalable.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(app_svg, scalable / f"{NAME}.svg")
    write_ico(ICONS / f"{NAME}.ico", {s: pngs[s] for s in ICO_SIZES})
    write_icns(ICONS / f"{NAME}.icns", pngs)
    APP_ICONS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(app_svg, APP_ICONS / f"{NAME}.svg")
    shutil.copyfile(tray_svg, APP_ICONS / f"{NAME}-tray.svg")
    (APP_ICONS / f"{NAME}-256.png").write_bytes(pngs[256])
    if args.preview:
        contact_sheet([app_svg, tray_svg], args.preview, (16, 22, 24, 32, 48, 64, 128, 256))
    print(f"wrote {len(SIZES)} PNGs, .ico, .icns under {ICONS.relative_to(ROOT)}; "
          f"copied icons to {APP_ICONS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
