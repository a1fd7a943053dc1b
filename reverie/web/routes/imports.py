"""Bringing transcripts and recordings in: uploads, caption voices, transcription jobs.

One page (:func:`import_page`) holds three forms, each posting a file or a choice with HTMX and
getting back what goes in the slot beside its file control: the importer's or the recording
check's refusal, the voices a caption file names (to be mapped to study codes, then imported),
or what was stored. A plain form post (no script) gets the whole page with the same slot filled.

An uploaded file is written to a private temporary folder (0700, removed when the request ends)
under its own name, because the importers and the recording check read paths and name the file in
their messages; the services store it (or refuse it, storing nothing). Bodies past the upload
limits never reach these routes (:mod:`reverie.web.limits`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from starlette.responses import Response

from reverie.core.errors import InvalidInput, ReverieError
from reverie.services.study.interviews import attach_recording, list_interviews
from reverie.services.study.participants import list_participants
from reverie.services.system.jobs import job_status, list_jobs
from reverie.services.transcripts.transcription import start_transcription
from reverie.services.transcripts.versions import import_transcript
from reverie.services.transcripts.voices import FileVoices, voices_to_map
from reverie.web.deps import CurrentStudy, is_htmx, render
from reverie.web.errors import STATUS
from reverie.web.limits import MEDIA_LIMIT_BYTES, TRANSCRIPT_LIMIT_BYTES, size_text

router = APIRouter(tags=["imports"])

# What the layout control offers: the layouts `reverie transcript import --layout` accepts.
LAYOUTS = (
    ("", "The file's own line numbers if it has them, else the study's layout"),
    ("fixed-width", "Fixed width: lines of at most so many characters"),
    ("per-turn", "One line per speaker turn"),
    ("imported", "Imported: keep the line numbers written in the file"),
)
TRANSCRIPT_SUFFIXES = ".txt,.text,.docx,.vtt,.srt,.html,.htm"
RECORDING_SUFFIXES = ".wav,.flac,.mp3,.m4a,.aac,.ogg,.opus,.mp4,.webm,.mov,.wma,audio/*"
INTERVIEWER = "I"


def _interview(value: str) -> tuple[str, int]:
    """The interview a form chose, written ``CODE/ROUND``."""
    code, _, round_no = value.strip().rpartition("/")
    if not code or not round_no.isdigit() or int(round_no) < 1:
        raise InvalidInput("choose the interview this file belongs to")
    return code, int(round_no)


def _whole(value: str, what: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not value.isdigit():
        raise InvalidInput(f"{what} must be a whole number, not {value!r}")
    return int(value)


def _file_name(upload: UploadFile | None) -> str:
    """The uploaded file's own name, without any folders a browser might send, or '' when none was chosen."""
    if upload is None or not upload.filename:
        return ""
    name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*').strip(" .")
    return name[:200] or "upload"


@contextmanager
def received(upload: UploadFile | None, what: str) -> Iterator[Path]:
    """The uploaded file as a path in a private folder, removed when the block ends.

    The folder is named as :func:`reverie.store.files.private_workdir` names its own, so if the
    server is killed mid-request the next Reverie process sweeps it away.
    """
    name = _file_name(upload)
    if upload is None or not name:
        raise InvalidInput(f"choose {what} to upload")
    with tempfile.TemporaryDirectory(prefix=f"reverie-upload.{os.getpid()}-") as folder:
        path = Path(folder) / name
        with path.open("wb") as out:
            shutil.copyfileobj(upload.file, out, 1 << 20)
        try:
            yield path
        except ReverieError as exc:
            # The services name the file by its path; the reader knows it by its own name only.
            exc.args = (str(exc).replace(str(path), name).replace(folder + os.sep, ""),)
            raise


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{max(n, 1) / 1000:.0f} kB"


def _has_route(request: Request, name: str) -> bool:
    return any(getattr(route, "name", None) == name for route in request.app.routes)


def page_context(request: Request, study, chosen: str = "") -> dict[str, Any]:
    """What the import page shows: every interview (with where it has come), and running transcriptions."""
    interviews = list_interviews(study)
    media_limit = request.scope.get("state", {}).get("media_limit_bytes", MEDIA_LIMIT_BYTES)
    return {
        "interviews": interviews,
        "recorded": [row for row in interviews if row.recordings],
        "chosen": chosen,
        "layouts": LAYOUTS,
        "transcript_suffixes": TRANSCRIPT_SUFFIXES,
        "recording_suffixes": RECORDING_SUFFIXES,
        "transcript_limit": TRANSCRIPT_LIMIT_BYTES,
        "media_limit": media_limit,
        "size_text": size_text,
        "running": [job for job in list_jobs(study, limit=20) if job.kind == "transcribe" and job.cancellable],
        "interviews_page": _has_route(request, "interviews"),
    }


def _answer(request: Request, study, outcome: dict[str, Any], status_code: int = 200, chosen: str = "") -> Response:
    """The slot beside the form's file control (HTMX), or the whole page with that slot filled."""
    if is_htmx(request):
        extra = {}
        if outcome.get("refresh_transcribe"):  # the transcribe form offers the interview just recorded
            extra = {**page_context(request, study, chosen), "oob_refresh": True}
        return render(request, "_import_outcome.html", status_code=status_code, outcome=outcome, **extra)
    return render(request, "import.html", status_code=status_code, outcome=outcome,
                  **page_context(request, study, chosen))


def _refused(request: Request, study, form: str, exc: ReverieError, chosen: str, **more: Any) -> Response:
    status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)
    return _answer(request, study, {"form": form, "kind": "error", "message": str(exc), **more}, status, chosen)


@router.get("/import", name="imports")
def import_page(request: Request, study: CurrentStudy, interview: str = ""):
    """Upload a transcript, attach a recording, transcribe it; ``interview=P1/1`` chooses the interview."""
    return render(request, "import.html", outcome=None, **page_context(request, study, interview))


@router.post("/import/transcript", name="upload_transcript")
def upload_transcript(request: Request, study: CurrentStudy, interview: str = Form(""),
                      file: UploadFile | None = File(None), layout: str = Form(""), width: str = Form(""),
                      replace: bool = Form(False), transcriber: str = Form(""), voice_name: list[str] = Form([]),
                      voice_code: list[str] = Form([])):
    """Import a transcript file as the interview's new draft; caption voices are mapped to study codes first."""
    name = _file_name(file)
    chosen_codes = dict(zip(voice_name, voice_code, strict=False))

    def ask_for_codes(exc: ReverieError, voices: list[str], kind: str, labels: tuple[str, ...] = ()) -> Response:
        return _refused(request, study, "transcript", exc, interview, kind=kind, voices=voices, labels=labels,
                        chosen_codes=chosen_codes, codes=_codes(study), filename=name,
                        participant=interview.rpartition("/")[0])

    try:
        code, round_no = _interview(interview)
        line_width = _whole(width, "the line width")
        if any(not chosen_codes.get(voice, "").strip() for voice in voice_name):
            return ask_for_codes(InvalidInput(f"{name or 'the file'}: choose a study code for every voice "
                                              "before importing"), list(voice_name), "error")
        voice_map = {voice: chosen.strip() for voice, chosen in chosen_codes.items()} or None
        with received(file, "a transcript file") as path:
            found = voices_to_map(path, code) if not voice_name else None
            if found is not None and found.all:  # first the voices, then the import
                return ask_for_codes(InvalidInput(_voices_found(name, found)), list(found.all), "warning",
                                     found.labels)
            result = import_transcript(study, code, round_no, path, layout=layout or None, width=line_width,
                                       voice_map=voice_map, transcriber=transcriber.strip() or None,
                                       replace=replace)
    except InvalidInput as exc:
        voices = getattr(exc, "voices", None)  # a caption file's unmapped real names (UnmappedVoices)
        if voices:
            return ask_for_codes(exc, [*(v for v in voice_name if v not in voices), *voices], "warning")
        return _refused(request, study, "transcript", exc, interview)
    except ReverieError as exc:
        return _refused(request, study, "transcript", exc, interview)
    shown = result.layout.replace("_", " ")
    message = (f"Imported {name} as version {result.version_number} of {code} round {round_no}: "
               f"{result.turns} turns, {result.lines} lines ({shown} layout).")
    return _answer(request, study, {"form": "transcript", "kind": "info", "message": message,
                                    "warnings": list(result.warnings), "reader": (code, round_no)}, chosen=interview)


def _voices_found(name: str, found: FileVoices) -> str:
    said = []
    if found.names:
        said.append(f"these voices have no study code: {', '.join(found.names)}")
    if found.labels:
        said.append(f"speakers {', '.join(found.labels)} are only diarisation labels")
    return (f"{name}: {'; '.join(said)}. Choose the study code of each voice, then import again; "
            "names are never kept in a transcript.")


def _codes(study) -> list[str]:
    return [participant.code for participant in list_participants(study)]


@router.post("/import/recording", name="upload_recording")
def upload_recording(request: Request, study: CurrentStudy, interview: str = Form(""),
                     file: UploadFile | None = File(None)):
    """Attach a recording to an interview once its audio is shown to decode; then it can be transcribed."""
    try:
        code, round_no = _interview(interview)
        with received(file, "a recording") as path:
            size = path.stat().st_size
            attach_recording(study, code, round_no, path)
    except ReverieError as exc:
        return _refused(request, study, "recording", exc, interview)
    message = f"Attached {_file_name(file)} ({_size(size)}) to {code} round {round_no}; it can be transcribed now."
    return _answer(request, study, {"form": "recording", "kind": "info", "message": message,
                                    "refresh_transcribe": True}, chosen=interview)


@router.post("/import/transcribe", name="transcribe")
def transcribe(request: Request, study: CurrentStudy, interview: str = Form(""), speakers: str = Form(""),
               replace: bool = Form(False)):
    """Queue the transcription of the interview's recording; the answer is its progress bar, polled."""
    try:
        code, round_no = _interview(interview)
        voices = _whole(speakers, "the number of speakers")
        # Left empty, diarisation decides: one voice, or two or more.
        job_id = start_transcription(study, code, round_no, speakers=voices or "auto", replace=replace)
    except ReverieError as exc:
        return _refused(request, study, "transcribe", exc, interview)
    return _answer(request, study, {"form": "transcribe", "kind": "job", "job": job_status(study, job_id)},
                   chosen=interview)
