"""De-identification of a transcript: suggestions, the researcher's choice, a new pseudonymised version.

Suggestions are made on the current version (code-point offsets, ``text == version[start:end]``).
Accepted ones become study-wide consistent pseudonyms ("[Name 1]", "[Hospital 2]") applied as
a new version through the correction path, so codings and extracts are re-anchored and a line
map is kept. The key (real → pseudonym) lives apart from the study folder and can be destroyed.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from reverie.core.errors import InvalidInput
from reverie.services.study.context import OpenStudy
from reverie.services.transcripts.corrections import (
    CorrectionResult,
    correct_transcript,
    current_turns,
    keep_word_times,
)
from reverie.services.transcripts.versions import version_info, version_text
from reverie.store.files import write_file
from reverie.store.models import Participant, Redaction, Study


@dataclass(frozen=True)
class NumberedSuggestion:
    id: int
    start: int
    end: int
    text: str
    label: str
    score: float


def key_path(study: OpenStudy, override: Path | str | None = None) -> Path:
    """Where this study's pseudonym key lives: outside the study folder, in the user's data folder."""
    if override is not None:
        path = Path(override).resolve()
    else:
        with study.read() as s:
            settings = s.get(Study, study.study_id).settings or {}
        key_id = settings.get("key_id")
        if key_id is None:
            key_id = str(uuid.uuid4())
            with study.write("deid.key_id", target=f"study:{study.study_id}") as s:
                record = s.get(Study, study.study_id)
                record.settings = {**(record.settings or {}), "key_id": key_id}
        base = Path(os.environ.get("REVERIE_KEYS_DIR", Path.home() / ".local" / "share" / "reverie" / "keys"))
        path = (base / f"{key_id}.json").resolve()
    if study.root.resolve() in path.parents:
        raise InvalidInput(f"{path}: the pseudonym key must be kept outside the study folder")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _allow_list(study: OpenStudy) -> list[str]:
    with study.read() as s:
        codes = list(s.execute(select(Participant.code).where(Participant.study_id == study.study_id)).scalars())
        settings = s.get(Study, study.study_id).settings or {}
    return ["I", *codes, *settings.get("deid_allow", [])]


def suggest_for(study: OpenStudy, code: str, round_no: int, *,
                key: Path | str | None = None) -> list[NumberedSuggestion]:
    """Suggestions for the current version, numbered in text order so the researcher can pick by id."""
    from reverie.privacy.deid import KeyStore, suggest

    info = version_info(study, code, round_no)
    text = version_text(study, info.id)
    # Names already confirmed anywhere in the study are suggested wherever they recur.
    confirmed = [real for real, pseudonym in KeyStore(key_path(study, key)).load().items()
                 if pseudonym.startswith("[Name ")]
    found = suggest(text, allow_list=_allow_list(study), confirmed=confirmed)
    return [NumberedSuggestion(i + 1, s.start, s.end, s.text, s.label, round(s.score, 3)) for i, s in enumerate(found)]


def apply_suggestions(study: OpenStudy, code: str, round_no: int, *, accept: list[int] | None = None,
                      accept_all: bool = False, key: Path | str | None = None) -> CorrectionResult:
    """Replace the accepted suggestions with pseudonyms in a new version; update the key store."""
    from reverie.privacy.deid import KeyStore, Pseudonymiser, Suggestion

    suggestions = suggest_for(study, code, round_no, key=key)
    by_id = {s.id: s for s in suggestions}
    if accept_all:
        chosen = suggestions
    else:
        unknown = sorted(set(accept or []) - set(by_id))
        if unknown:
            raise InvalidInput(f"no suggestion {', '.join(map(str, unknown))} (there are {len(suggestions)})")
        chosen = [by_id[i] for i in sorted(set(accept or []))]
    if not chosen:
        raise InvalidInput("no suggestion accepted: nothing to change")
    store = KeyStore(key_path(study, key))
    replacements, new_key = Pseudonymiser(store.load()).assign(
        Suggestion(s.start, s.end, s.text, s.label, s.score) for s in chosen)
    turns = current_turns(study, code, round_no)
    new_texts, cursor = [], 0
    for turn in turns:
        start, end = cursor, cursor + len(turn.text)
        text = turn.text
        for r in sorted((r for r in replacements if start <= r.start and r.end <= end), key=lambda r: -r.start):
            text = text[: r.start - start] + r.pseudonym + text[r.end - start:]
        new_texts.append((turn.speaker, text))
        cursor = end + 1
    write_file(store.path, store.dump(new_key))
    result = correct_transcript(study, code, round_no, keep_word_times(turns, new_texts),
                                why=f"de-identification: {len(chosen)} suggestion(s) replaced with pseudonyms",
                                origin="deid")
    info = version_info(study, code, round_no)
    new_text = version_text(study, info.id)
    with study.write("deid.redactions", target=f"interview:{code}/{round_no}",
                     payload={"version": info.number, "replaced": len(replacements)}) as s:
        for r in replacements:
            at = new_text.find(r.pseudonym)
            s.add(Redaction(version_id=info.id, original_sha256=hashlib.sha256(r.original.encode()).hexdigest(),
                            label=r.pseudonym, kind=next(c.label for c in chosen if c.start == r.start),
                            reason="de-identification", start_offset=max(at, 0),
                            end_offset=max(at, 0) + len(r.pseudonym), created_by=study.actor))
    return result


def destroy_key(study: OpenStudy, key: Path | str | None = None) -> Path:
    """Destroy the study's pseudonym key: the link back to real names is gone for good."""
    from reverie.privacy.deid import KeyStore

    path = key_path(study, key)
    KeyStore(path).destroy()
    study.record("deid.key_destroyed", target=f"study:{study.study_id}")
    return path


def forbidden_terms(study: OpenStudy, key: Path | str | None = None) -> list[str]:
    """The real names and places in the key: no export may contain any of them."""
    from reverie.privacy.deid import KeyStore

    path = key_path(study, key)
    return list(KeyStore(path).load()) if path.exists() else []
