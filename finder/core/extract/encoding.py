"""Turn text-file bytes into str: BOM, strict UTF-8, binary check, then a detector on a sample."""

from __future__ import annotations

import codecs

from finder.core.errors import SkippedFile

SAMPLE_BYTES = 64 * 1024  # what charset detection looks at; the whole file is decoded after
BINARY_PROBE = 8 * 1024  # where NUL bytes and control characters mark a binary file
MAX_REPLACED = 0.01  # share of undecodable characters we still accept as text

_BOMS = (  # longest first: the UTF-32 LE BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Bytes that never appear in text: C0 controls except \t \n \v \f \r and ESC (colour logs).
_CONTROL = bytes(b for b in range(32) if b not in b"\t\n\x0b\x0c\r\x1b")
_NOT_CONTROL = bytes(b for b in range(256) if b not in _CONTROL)
# Detector answers mapped to the superset codec that decodes more real-world files.
_WIDER = {
    "gb2312": "gb18030", "gbk": "gb18030", "euc_kr": "cp949", "iso8859-1": "cp1252",
    "ascii": "utf-8",
}


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding name) with newlines normalised; SkippedFile for binary data."""
    text, encoding = _decode(data)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        text = text.replace("\x00", "")
    return text, encoding


def _decode(data: bytes) -> tuple[str, str]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            # A BOM is strong evidence: decode leniently (a truncated UTF-16 file is still text).
            codec = "utf-8-sig" if encoding == "utf-8-sig" else encoding
            return data.decode(codec, errors="replace"), encoding
    probe = data[:BINARY_PROBE]
    bomless = _bomless_utf16(probe)
    if bomless:
        return data.decode(bomless, errors="replace"), bomless
    if b"\x00" in probe:
        raise SkippedFile("binary file (contains NUL bytes)")
    if probe and len(probe.translate(None, _NOT_CONTROL)) > len(probe) // 20:
        raise SkippedFile("binary file (contains control characters)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    sample = _sample(data)
    if _mostly_utf8(sample):
        text = data.decode("utf-8", errors="replace")
        if _replaced_share(text, data) < MAX_REPLACED:
            return text, "utf-8"
    guess = _detect(sample)
    if guess:
        try:
            return data.decode(guess), guess
        except UnicodeDecodeError:
            text = data.decode(guess, errors="replace")
            if _replaced_share(text, data) < MAX_REPLACED:
                return text, guess
    text = data.decode("utf-8", errors="replace")
    if _replaced_share(text, data) < MAX_REPLACED:
        return text, "utf-8"
    raise SkippedFile("binary file or unknown encoding")


def _bomless_utf16(probe: bytes) -> str | None:
    """UTF-16 without a BOM, recognised when it is mostly ASCII (NUL in every other byte)."""
    if len(probe) < 16:
        return None
    even, odd = probe[0::2], probe[1::2]
    limit = len(odd) // 10
    if odd.count(0) >= len(odd) - limit and even.count(0) <= limit:
        return "utf-16-le"
    if even.count(0) >= len(even) - limit and odd.count(0) <= limit:
        return "utf-16-be"
    return None


def _sample(data: bytes) -> bytes:
    """The first SAMPLE_BYTES, cut after a newline so no character is split."""
    if len(data) <= SAMPLE_BYTES:
        return data
    sample = data[:SAMPLE_BYTES]
    cut = sample.rfind(b"\n")
    return sample[: cut + 1] if cut > 0 else sample


def _mostly_utf8(sample: bytes) -> bool:
    """True when valid multi-byte UTF-8 sequences far outnumber the invalid bytes."""
    text = sample.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - sample.count(b"\xef\xbf\xbd")
    good = len(text) - len(text.encode("ascii", errors="ignore")) - bad
    return good >= 4 * max(bad, 1)


def _replaced_share(text: str, data: bytes) -> float:
    replaced = text.count("\ufffd") - data.count(b"\xef\xbf\xbd")
    return replaced / max(len(text), 1)


def _detect(sample: bytes) -> str | None:
    """Ask charset_normalizer for the codec of ``sample``; a canonical Python codec name.

    Among single-byte codecs the detector often picks a rare one (cp1257 for French); we
    prefer cp1252, the common Western codec, when it decodes the sample the same way or the
    detector rated it about as well.
    """
    from charset_normalizer import from_bytes
    from charset_normalizer.utils import is_multi_byte_encoding

    results = from_bytes(sample)
    best = results.best()
    if best is None:
        return None
    name = _canonical(best.encoding)
    if name and name != "cp1252" and not is_multi_byte_encoding(best.encoding):
        try:
            western = sample.decode("cp1252")
        except UnicodeDecodeError:
            western = None
        if western is not None and (
            western == sample.decode(name, errors="replace")
            or any(_canonical(m.encoding) == "cp1252" and m.chaos <= best.chaos + 0.05
                   for m in results)
        ):
            return "cp1252"
    return _WIDER.get(name, name) if name else None


def _canonical(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return ""
