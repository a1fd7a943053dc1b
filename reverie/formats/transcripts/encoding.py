"""Text from a transcript file's bytes, whatever Word, Notepad or a transcription service saved.

Transcripts arrive as UTF-8 (with or without a byte-order mark), UTF-16 (Word's "Unicode text",
sometimes without a BOM) or Windows-1252 (older Word and Notepad on British machines: curly
quotes, "£"). The result is canonical (NFC, LF line ends) so offsets agree everywhere.

Windows-1252 is tried before statistical detection on purpose: on the short, mostly-ASCII files
interviews produce, detectors often guess a neighbouring code page and turn "£" into "Ł".
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from reverie.core.errors import InvalidInput
from reverie.core.transcript import canonical

_SAMPLE = 4096
# Share of C0 control characters (other than tab, line ends and form feed) above which decoded
# "text" is really a binary file.
_MAX_CONTROL_SHARE = 0.01
# C0 control characters other than tab, line feed, form feed and carriage return; counted by
# a regex, as a Python loop over every character was a third of reading a transcript.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


def _utf16_without_bom(data: bytes) -> str | None:
    """The UTF-16 variant whose NUL-byte pattern the data shows (ASCII-heavy text), if any."""
    sample = data[:_SAMPLE]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    even_nuls, odd_nuls = even.count(0) / len(even), odd.count(0) / len(odd)
    if odd_nuls > 0.3 and even_nuls < 0.05:
        return "utf-16-le"
    if even_nuls > 0.3 and odd_nuls < 0.05:
        return "utf-16-be"
    return None


def _encoding_of(data: bytes, source: str) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    utf16 = _utf16_without_bom(data)
    if utf16:
        return utf16
    if b"\x00" in data:
        raise InvalidInput(f"{source} is a binary file, not a text transcript")
    for encoding in ("utf-8", "cp1252"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    guess = from_bytes(data).best()
    if guess is None:
        raise InvalidInput(f"{source}: cannot tell which text encoding it uses; save it as UTF-8")
    return guess.encoding


def decode_transcript(data: bytes, source: str) -> str:
    """Canonical text of a transcript file; InvalidInput if it is empty, binary or undecodable."""
    if not data.strip():
        raise InvalidInput(f"{source} is empty")
    encoding = _encoding_of(data, source)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        raise InvalidInput(
            f"{source}: not valid {encoding} text (byte {error.start}); save it as UTF-8"
        ) from None
    controls = len(_CONTROLS.findall(text))
    if controls > _MAX_CONTROL_SHARE * len(text):
        raise InvalidInput(f"{source} is a binary file, not a text transcript")
    text = canonical(text).lstrip("\ufeff")
    if not text.strip():
        raise InvalidInput(f"{source} is empty")
    return text


def peek_text(head: bytes) -> str:
    """A best-effort reading of a file's first bytes, for recognising its format by content."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if head.startswith(bom):
            return head.decode(encoding, errors="ignore")
    return head.decode(_utf16_without_bom(head) or "utf-8", errors="ignore")
