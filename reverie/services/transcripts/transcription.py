"""Transcribe an interview's recording as a job: chunk by chunk, stored as a draft when all are done.

The speech adapter does the work (:mod:`reverie.speech.recognise`); this module only plans the
chunks, recognises one chunk per call (storing nothing, so a chunk run twice is harmless) and,
when every chunk is in, builds the speaker turns and stores them through
:func:`reverie.services.transcripts.versions.store_parsed` as the interview's new draft.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from reverie.services.study.context import OpenStudy
from reverie.services.study.interviews import recording_for
from reverie.services.study.participants import ensure_not_withdrawn
from reverie.services.system import jobs
from reverie.services.transcripts.prosody import store_pauses
from reverie.services.transcripts.versions import store_parsed, version_info

if TYPE_CHECKING:
    from reverie.speech.recognise import Prepared, SpeechResult

# A decoded hour of audio is 230 MB, so each process keeps only the recording it is working on.
_prepared: dict[tuple[str, float], Prepared] = {}
_prepared_lock = threading.Lock()
PROGRESS_S = 0.25  # how often `reverie transcribe` reads the job's progress while it runs
# Recordings whose prosody this process measures once their transcription ends (transcribe_interview).
_prosody_wanted: set[str] = set()


def _first_pass(sha256: str):
    """The first pitch pass run beside this recording's transcription, or None."""
    with _prepared_lock:
        ahead = next((prepared.ahead.get("prosody") for (digest, _), prepared in _prepared.items()
                      if digest == sha256), None)
    try:
        return None if ahead is None else ahead.result()
    except Exception:  # measured again by measure_prosody, which reports what fails
        return None


def start_transcription(study: OpenStudy, code: str, round_no: int, *, model: str | None = None,
                        language: str | None = "en", speakers: int | str = "auto", chunk_seconds: float = 240,
                        verbatim: bool = False, layout: str | None = None, width: int | None = None,
                        replace: bool = False, device: str = "cpu", batch_size: int | None = None,
                        queue: jobs.JobQueue | None = None) -> int:
    """Queue the transcription of an interview's recording; returns the job id to follow.

    ``speakers`` is how many voices to tell apart, or ``"auto"`` to let diarisation decide between
    one voice (labelled with the participant's code) and several.
    """
    from reverie.speech.diarise import parse_speakers
    from reverie.speech.recognise import RecognitionOptions

    ensure_not_withdrawn(study, code)
    count = parse_speakers(speakers)
    speakers = "auto" if count is None else count
    RecognitionOptions(language=language, verbatim=verbatim, chunk_seconds=chunk_seconds, device=device,
                       batch_size=batch_size)  # refuse bad values now, not in a worker
    _refuse_silent_replace(study, code, round_no, replace)
    recording = recording_for(study, code, round_no)
    params = {"code": code, "round": round_no, "sha256": recording.sha256, "source_name": recording.original_name,
              "model": model, "language": language, "speakers": speakers, "chunk_seconds": chunk_seconds,
              "verbatim": verbatim, "layout": layout, "width": width, "replace": replace, "device": device,
              "batch_size": batch_size}
    return jobs.start_job(study, "transcribe", params, queue=queue).id


def _prepare(study: OpenStudy, params: dict) -> Prepared:
    from reverie.core.errors import InvalidInput
    from reverie.services.transcripts.warmup import prepared_ahead
    from reverie.speech.recognise import prepare

    key = (params["sha256"], float(params["chunk_seconds"]))
    with _prepared_lock:
        cached = prepared_ahead(*key) or _prepared.get(key)  # a head start taken since, first
        if cached is None:
            with study.media.plain_file(params["sha256"]) as audio:
                try:
                    cached = prepare(audio, key[1])
                except InvalidInput as error:
                    # Name the researcher's file, not its copy in media/, and say what helps.
                    name = params.get("source_name") or "the recording"
                    reason = str(error).replace(f"{audio}: ", "").replace(str(audio), name)
                    raise InvalidInput(
                        f"{name} ({params['code']} round {params['round']}) cannot be transcribed: {reason} "
                        f"Detach it with `reverie interviews detach <study> {params['code']} --round "
                        f"{params['round']} --why ...` and attach a good copy.") from None
        if _prepared.get(key) is not cached:
            _prepared.clear()
            _prepared[key] = cached
        return cached


def _options(params: dict):
    from reverie.speech.recognise import RecognitionOptions

    return RecognitionOptions(language=params.get("language"), verbatim=bool(params.get("verbatim")),
                              chunk_seconds=float(params["chunk_seconds"]), device=params.get("device", "cpu"),
                              batch_size=params.get("batch_size"))


class TranscribeJob:
    """Recognise a recording a few minutes at a time with the local Whisper model."""

    def plan(self, study: OpenStudy, params: dict) -> list[jobs.ChunkSpan]:
        from reverie.services.transcripts.warmup import prosody_ahead
        from reverie.speech.recognise import diarise_ahead

        prepared = _prepare(study, params)
        if prepared.diariser is None:  # voices are embedded beside recognition, ready for assemble
            diarise_ahead(prepared, params.get("speakers", 2))
        if params["sha256"] in _prosody_wanted and "prosody" not in prepared.ahead:
            prosody_ahead(prepared)
        return [jobs.ChunkSpan(c.start, c.end) for c in prepared.plan.chunks]

    def run_chunk(self, study: OpenStudy, params: dict, seq: int, span: jobs.ChunkSpan,
                  progress: jobs.Progress) -> dict:
        from reverie.speech.chunks import Chunk
        from reverie.speech.recognise import Recogniser, recognise_chunk, recognised_ahead

        prepared = _prepare(study, params)
        chunk, options = Chunk(seq, span.start, span.end), _options(params)
        length = max(span.end - span.start, 1e-9)

        def report(at: float, _total: float) -> None:
            progress((at - span.start) / length)

        result = recognised_ahead(prepared, params.get("model"), options, chunk, report)
        if result is None:
            result = recognise_chunk(Recogniser(params.get("model"), options), prepared.audio.samples, chunk,
                                     report, span.end)
        return result.to_dict()

    def assemble(self, study: OpenStudy, params: dict, results: list[dict]) -> SpeechResult:
        from reverie.speech.chunks import ChunkResult
        from reverie.speech.models import DEFAULT_MODEL
        from reverie.speech.recognise import build_result

        model = params.get("model")
        name = DEFAULT_MODEL if model is None else (Path(model).name if Path(model).is_dir() else str(model))
        return build_result(_prepare(study, params), [ChunkResult.from_dict(r) for r in results], name,
                            speakers=params.get("speakers", 2), participant=params["code"])

    def finish(self, study: OpenStudy, params: dict, assembled: SpeechResult) -> dict:
        info = {"model": assembled.model, "language": assembled.language, "duration_s": assembled.duration,
                "chunks": len(assembled.chunks), "warnings": assembled.warnings,
                "pauses": [[p.start, p.end] for p in assembled.pauses]}
        stored = store_parsed(study, params["code"], int(params["round"]), assembled.to_parsed_transcript(),
                              layout=params.get("layout"), width=params.get("width"), notation=None,
                              transcriber=f"whisper:{assembled.model}", origin="speech",
                              source_name=params.get("source_name", ""), source_sha256=params["sha256"],
                              replace=bool(params.get("replace")), speech_info=info)
        with study.write("transcript.pauses", target=f"interview:{params['code']}/{params['round']}") as session:
            pauses = store_pauses(session, stored.version_id, [(p.start, p.end) for p in assembled.pauses],
                                  study.actor)
        return {"pauses": pauses, "version": stored.version_number, "lines": stored.lines, "turns": stored.turns,
                "warnings": list(stored.warnings)}


def _refuse_silent_replace(study: OpenStudy, code: str, round_no: int, replace: bool) -> None:
    """A recording already transcribed is not transcribed over without the researcher saying so."""
    from reverie.core.errors import Conflict, NotFound

    try:
        info = version_info(study, code, round_no)
    except NotFound:
        return
    if info.status == "locked":
        raise Conflict(f"{code} round {round_no} has a locked transcript; corrections make new versions instead")
    if not replace:
        raise Conflict(f"{code} round {round_no} already has a draft transcript (version {info.number}); "
                       "pass --replace to transcribe again (the old draft is kept as a version)")


def transcribe_interview(study: OpenStudy, code: str, round_no: int, *, progress=None, prosody: bool = True,
                         **options) -> jobs.JobStatus:
    """Transcribe now, in this process, and measure prosody: what ``reverie transcribe`` runs.

    ``progress(fraction)`` is called as chunks advance. A failed chunk leaves the job failed with
    its finished chunks kept, so ``retry_failed_chunks`` redoes only what failed.
    """
    from reverie.services.transcripts.prosody import measure_prosody
    from reverie.services.transcripts.warmup import load_model_ahead

    load_model_ahead(options.get("model"), device=options.get("device", "cpu"))  # beside decoding and VAD
    ensure_not_withdrawn(study, code)  # refused first, as start_transcription refuses it
    sha256 = recording_for(study, code, round_no).sha256
    queue = jobs.InProcessQueue(study, threads=1)
    try:
        if prosody:
            _prosody_wanted.add(sha256)
        job_id = start_transcription(study, code, round_no, queue=queue, **options)
        # The job runs on the queue's thread; wake when it ends, or every PROGRESS_S to report.
        while not queue.wait_idle(PROGRESS_S):
            if progress is not None:
                progress(jobs.job_status(study, job_id).progress)
        queue.join()  # raises what a queue task raised outside the job's own bookkeeping
    finally:
        queue.shutdown()
        _prosody_wanted.discard(sha256)
    status = jobs.job_status(study, job_id)
    if progress is not None:
        progress(status.progress)
    if status.state == "done" and prosody:
        measure_prosody(study, code, round_no, audio=decoded_recording(sha256), first=_first_pass(sha256))
    return status


def decoded_recording(sha256: str):
    """The recording this process decoded for its last transcription, if it is this one; else None."""
    with _prepared_lock:
        return next((prepared.audio for (digest, _), prepared in _prepared.items() if digest == sha256), None)


def speech_models(directory: Path | None = None) -> list:
    """The speech models on this machine (the default first), plus a model in ``directory`` if given."""
    from reverie.speech.models import list_models

    return list_models(directory)
