"""Build the demo study through the same services a researcher uses, so it shows every capability.

Why through the services: the demo doubles as an end-to-end check that a whole study (records,
transcripts, analysis, consultations, audit chain) can be made with the public API.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from reverie.services.demo import content
from reverie.services.study import interviews, participants, studies
from reverie.services.study.context import MANIFEST, OpenStudy
from reverie.services.transcripts import versions as transcripts

RESEARCHER = studies.Identity(name="Demo Researcher", initials="TM")


DEMO_TITLE = "What NHS mental health professionals value about peer support workers"


def is_demo(study: OpenStudy) -> bool:
    """Whether this study is the demo (``reverie demo`` on another study's folder leaves it alone)."""
    return studies.get_study(study).title == DEMO_TITLE


def build_demo(directory: Path | str) -> OpenStudy:
    """Make the demo study in ``directory`` (or open it when it is already there)."""
    root = Path(directory)
    if (root / MANIFEST).exists():
        return studies.open_study(root)
    study = studies.init_study(root, title=DEMO_TITLE, identity=RESEARCHER)
    _study_details(study)
    _participants_and_interviews(study)
    _transcripts(study)
    _analysis(study)
    return study


def _study_details(study: OpenStudy) -> None:
    studies.update_study(
        study,
        research_question="What do NHS mental health professionals value about working with peer support workers?",
        approaches=["FANI-influenced semi-structured interviews", "Willig FDA", "Davies & Harré positioning",
                    "psychosocial (Hollway & Jefferson)"],
        setting="Adult mental health services, one NHS Trust (UK)",
        sampling_strategy="purposive",
        inclusion_criteria=["employed in an adult mental health setting in the UK NHS",
                            "user-involvement work within the previous 6 months"],
        rounds_planned=2,
        ppi_plan={"aim": "To shape the interview schedule and the analysis with service users and professionals.",
                  "approach": "consultation", "guidance": "INVOLVE"},
    )
    interviews.save_researcher(
        study, "TM", occupation="Counselling Psychologist, NHS", credentials="DPsych",
        experience_training="Psychological therapist; led the Trust's user-involvement work",
        relationship_to_participants="none", berger_position="shared_experience",
        statement="I have worked alongside peer support workers and came to the study valuing the role.",
    )
    interviews.add_ethics_approval(study, "REC", reference="University REC")
    interviews.add_ethics_approval(study, "HRA", reference="IRAS 237366")
    interviews.add_schedule(study, content.SCHEDULE, pilot_tested=False, note="Drafted with both PPI groups")


def _participants_and_interviews(study: OpenStudy) -> None:
    for code, gender, profession, setting, years in content.PARTICIPANTS:
        participants.add_participant(study, code, gender=gender, profession=profession, setting=setting,
                                     years_band=years, recruitment_channel="email", prior_relationship="none")
        participants.record_consent(study, code, consented_on="2019-01-15", archiving=code != "P4")
        month = 2 + int(code[1:]) // 3
        interviews.add_interview(study, code, 1, held_on=f"2019-0{month}-1{code[1:]}",
                                 duration_min=content.ROUND_ONE_MINUTES[code], location_type="workplace",
                                 schedule_version=1)
        interviews.add_interview(study, code, 2, held_on=f"2019-{month + 4:02d}-2{code[1:]}",
                                 duration_min=content.ROUND_TWO_MINUTES[code], location_type="workplace",
                                 purpose="member_reflection")


def _transcripts(study: OpenStudy) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for code, *_ in content.PARTICIPANTS:
            if code == RECORDED:
                continue
            path = Path(tmp) / f"{code}-round1.txt"
            path.write_text(content.interview_text(code), encoding="utf-8")
            transcripts.import_transcript(study, code, 1, path, layout="fixed-width", width=80, transcriber="TM")
            transcripts.lock_transcript(study, code, 1, why="checked against the recording")
    _recorded_interview(study)


RECORDED = "P4"
DATA = Path(__file__).parent / "data"


def _recorded_interview(study: OpenStudy) -> None:
    """P4's excerpt: a real recording, the speech engine's stored draft, a correction, then the lock.

    The draft was made once by ``scripts/make-demo-recording`` with the real model; storing its
    results here keeps the demo fast and offline on the core install.
    """
    import json

    from reverie.core.transcript import ParsedTranscript, Turn, Word
    from reverie.services.transcripts.corrections import (
        correct_transcript,
        current_turns,
        keep_word_times,
    )
    from reverie.store.models import Annotation

    results = json.loads((DATA / "p4-round1-excerpt.json").read_text(encoding="utf-8"))
    interviews.attach_recording(study, RECORDED, 1, DATA / "p4-round1-excerpt.ogg", duration_s=results["duration_s"])
    turns = [Turn(t["speaker"], t["text"], t["start"], t["end"], tuple(Word(*w) for w in t["words"]))
             for t in results["turns"]]
    stored = transcripts.store_parsed(study, RECORDED, 1, ParsedTranscript(turns, "p4-round1-excerpt.ogg"),
                                      layout="fixed-width", width=80, notation=None,
                                      transcriber=f"whisper:{results['model']}", origin="speech",
                                      speech_info={"model": results["model"], "stored_results": True})
    with study.write("transcript.speech_results", target=f"interview:{RECORDED}/1",
                     payload={"annotations": len(results["annotations"])}) as s:
        for a in results["annotations"]:
            s.add(Annotation(version_id=stored.version_id, kind=a["kind"], start_offset=a["start"],
                             end_offset=a["end"], data=a["data"], note=a["note"], created_by=study.actor))
    fixed = [(t.speaker, t.text.replace(content.MISHEARD, content.HEARD)) for t in current_turns(study, RECORDED, 1)]
    correct_transcript(study, RECORDED, 1, keep_word_times(current_turns(study, RECORDED, 1), fixed),
                       why="Corrected against the recording: the model mis-heard the opening question")
    transcripts.lock_transcript(study, RECORDED, 1, why="checked against the recording")


def _analysis(study: OpenStudy) -> None:
    """Codes, the reflexive log, extracts, memos, themes and consultations (see analysis.py)."""
    from reverie.services.demo.analysis import build_analysis

    build_analysis(study)
