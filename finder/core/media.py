"""Image files, indexable only while a multimodal embedding provider is active."""

from __future__ import annotations

from pathlib import Path

IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
MAX_IMAGE_BYTES = 20 * 2**20  # inline request limit of the multimodal APIs


def image_mime(path: Path) -> str | None:
    """The MIME type of an image we can embed, or None."""
    return IMAGE_TYPES.get(Path(path).suffix.lower())
