"""Start a transcription's speech work before it needs it, without importing the storage.

Why a module of its own: ``reverie transcribe`` spends its first second importing the study's
storage (SQLAlchemy, the models, the audit trail) and opening the study, and none of the speech
work needs any of it. A front calls :func:`load_model_ahead` (or :func:`transcribe_ahead`, which
also starts decoding and recognising the recording) first, then imports :mod:`.transcription`,
so the two overlap; this module imports only the speech adapter and the standard library.
"""

from __future__ import annotations

import sqlite3
import threading
import tomllib
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reverie.speech.recognise import Prepared

# A recording prepared (and being recognised) ahead, by (sha256, chunk seconds): one per process.
_ahead: dict[tuple[str, float], Future] = {}
_ahead_lock = threading.Lock()


def load_model_ahead(model: str | Path | None = None, *, device: str = "cpu"):
    """Begin loading the model a transcription with these options will use; returns the thread, or None.

    Options that would be refused are left for the transcription to refuse with its message.
    """
    from reverie.core.errors import InvalidInput
    from reverie.speech.recognise import RecognitionOptions, preload

    try:
        options = RecognitionOptions(device=device)
    except InvalidInput:
        return None
    return preload(model, options)


def transcribe_ahead(folder: Path, code: str, round_no: int, *, model: str | None = None, language: str | None = "en",
                     verbatim: bool = False, device: str = "cpu", batch_size: int | None = None,
                     speakers: int | str = "auto", prosody: bool = True, replace: bool = False,
                     chunk_seconds: float = 240) -> Future | None:
    """Load the model, and decode, diarise and recognise the interview's recording on threads, now.

    Returns a future that is done once recognition has begun (or the head start failed), or
    None when no head start was taken. A front should wait for it before importing the storage:
    importing and preparing the audio both need the interpreter lock, so done together each
    waits for the other, while recognition itself runs outside the lock.

    The transcription that follows (:func:`.transcription.transcribe_interview` with the same
    options) takes what is ready instead of doing it again, and checks everything it always
    checks: a refused transcription has only spent some CPU time, and stored nothing. The head
    start is taken only where the recording can be found without the storage and the
    transcription is expected to go ahead: a local, unencrypted SQLite study, a participant who
    has not withdrawn, an interview without a transcript unless it is to be replaced.
    """
    from reverie.core.errors import InvalidInput
    from reverie.speech.recognise import RecognitionOptions

    load_model_ahead(model, device=device)
    try:
        options = RecognitionOptions(language=language, verbatim=verbatim, chunk_seconds=chunk_seconds,
                                     device=device, batch_size=batch_size)
    except InvalidInput:
        return None
    found = _plain_recording(Path(folder), code, round_no, replace)
    if found is None:
        return None
    sha256, path = found
    future: Future = Future()
    with _ahead_lock:
        _ahead.clear()
        _ahead[sha256, float(chunk_seconds)] = future

    def run() -> None:
        from reverie.speech.recognise import diarise_ahead, prepare, recognise_ahead

        try:
            prepared = prepare(path, chunk_seconds)
            diarise_ahead(prepared, speakers)
            if prosody:
                prosody_ahead(prepared)
            # Published once its chunks are announced, so the job waits for them rather than recognising them too.
            recognise_ahead(prepared, model, options, announced=lambda: future.set_result(prepared))
        except BaseException as error:  # the transcription prepares again and reports it in its words
            if not future.done():
                future.set_exception(error)

    threading.Thread(target=run, name="reverie-transcribe-ahead", daemon=True).start()
    return future


def prepared_ahead(sha256: str, chunk_seconds: float) -> Prepared | None:
    """The recording :func:`transcribe_ahead` prepared, once (waiting for it), or None."""
    with _ahead_lock:
        future = _ahead.pop((sha256, float(chunk_seconds)), None)
    if future is None:
        return None
    try:
        return future.result()
    except Exception:
        return None


def prosody_ahead(prepared: Prepared) -> None:
    """Run prosody's first pitch pass beside recognition: it needs the samples, not the transcript."""
    from reverie.speech.prosody import first_pass
    from reverie.speech.recognise import run_beside

    audio = prepared.audio
    samples = audio.samples if audio.samples.ndim == 1 else audio.samples.mean(axis=0)
    run_beside(prepared, "prosody", lambda: first_pass(samples, audio.sample_rate))


def _plain_recording(folder: Path, code: str, round_no: int, replace: bool) -> tuple[str, Path] | None:
    """The interview's latest recording (sha256, stored file) read with sqlite3 alone, or None.

    None for anything but the plain case (a team or encrypted study, a missing or unreadable
    database or file, a participant who has withdrawn or may have, a transcript already there
    and not to be replaced, or locked): the transcription then finds the recording itself and
    says what is wrong, without waiting for a head start it would refuse.
    """
    try:
        manifest = tomllib.loads((folder / "study.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    database = manifest.get("database")
    if manifest.get("encrypted") or not isinstance(database, str) or "://" in database:
        return None
    db_file = folder / database
    if not db_file.is_file():
        return None
    try:
        connection = sqlite3.connect(f"{db_file.resolve().as_uri()}?mode=ro", uri=True)
        try:
            row = connection.execute(_LATEST_RECORDING, (code, round_no)).fetchone()
            held = connection.execute(_CURRENT_STATUS, (code, round_no)).fetchone()
        finally:
            connection.close()
    except sqlite3.Error:
        return None
    if row is None or (held is not None and (held[0] == "locked" or not replace)):
        return None
    stored = folder / "media" / row[0][:2] / row[0]
    return (row[0], stored) if stored.is_file() else None


_LATEST_RECORDING = (
    "SELECT r.sha256 FROM recordings r JOIN interviews i ON i.id = r.interview_id "
    "JOIN participants p ON p.id = i.participant_id "
    "WHERE p.code = ? AND i.round = ? AND r.deleted_at IS NULL AND p.status != 'withdrawn' "
    "AND NOT EXISTS (SELECT 1 FROM consent_records c WHERE c.participant_id = p.id AND c.withdrawn_on IS NOT NULL) "
    "ORDER BY r.id DESC LIMIT 1"
)
_CURRENT_STATUS = (
    "SELECT v.status FROM transcripts t JOIN transcript_versions v ON v.id = t.current_version_id "
    "JOIN interviews i ON i.id = t.interview_id JOIN participants p ON p.id = i.participant_id "
    "WHERE p.code = ? AND i.round = ?"
)
