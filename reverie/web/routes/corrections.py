"""The correction editor for a draft transcript: word edits that keep their times, speaker swaps.

Saving makes a new version through ``services.corrections`` (which re-anchors anything coded);
the editor only gathers each turn's speaker and text as the researcher left them.
"""

from __future__ import annotations

from fastapi import APIRouter, Form, Request

from reverie.core.errors import Conflict, InvalidInput
from reverie.services.study.interviews import find_recording
from reverie.services.transcripts.corrections import (
    correct_transcript,
    correction_summary,
    current_turns,
    keep_word_times,
)
from reverie.services.transcripts.versions import version_info
from reverie.web.deps import CurrentStudy, redirect, render

router = APIRouter(prefix="/interviews/{code}/{round_no}", tags=["corrections"])


@router.get("/correct", name="correct")
def editor(request: Request, study: CurrentStudy, code: str, round_no: int, saved: int | None = None):
    info = version_info(study, code, round_no)
    turns = current_turns(study, code, round_no)
    recording = find_recording(study, code, round_no)
    speakers = sorted({turn.speaker for turn in turns})
    summary = correction_summary(study, code, round_no, saved) if saved else None
    return render(request, "correct.html", info=info, turns=turns, speakers=speakers, recording=recording,
                  saved=saved, summary=summary)


@router.post("/correct", name="save_correction")
def save(request: Request, study: CurrentStudy, code: str, round_no: int, version: int = Form(...),
         speaker: list[str] = Form(...), text: list[str] = Form(...), why: str = Form("")):
    """Store the edited turns as a new draft version (word times kept where words survived)."""
    if len(speaker) != len(text):
        raise InvalidInput("every turn needs a speaker and a text")
    if version != version_info(study, code, round_no).number:
        raise Conflict(f"the transcript has changed since version {version} was opened; reload the editor")
    edited = [(who, words.replace("\r\n", "\n")) for who, words in zip(speaker, text)]
    turns = keep_word_times(current_turns(study, code, round_no), edited)
    result = correct_transcript(study, code, round_no, turns, why=why)
    return redirect(request, request.url_for("correct", code=code, round_no=round_no)
                    .include_query_params(saved=result.version_number))
