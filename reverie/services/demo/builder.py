"""Build the demo study through the same services a researcher uses, so it shows every capability.

Why through the services: the demo doubles as an end-to-end check that a whole study (records,
transcripts, analysis, consultations, audit chain) can be made with the public API.
"""

from __future__ import annotations

import json
from pathlib import Path

from reverie.core.errors import InvalidInput
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
    _recorded_interview(study)
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
        notation_profile="verbatim_health",
        design="Qualitative interview study: free-association narrative interviews, then member-reflection "
               "interviews, analysed with Foucauldian discourse analysis, positioning theory and a "
               "psychosocial reading",
        prior_relationship="None: no participant knew the researcher before the study",
        transcribed_by="TM, the interviewer, typed the round-1 interviews from their audio recordings; P1's "
                       "member reflection was drafted by speech recognition and corrected by TM",
        transcripts_returned="no",
        themes_derivation="derived from the data",
        saturation_statement="Not sought: the aim was depth in a few accounts, not saturation across many.",
        page_size="A4",
        range_style="minimal",
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
        participants.record_consent(study, code, consented_on="2018-09-20", archiving=code != "P4")
        participants.add_recruitment(study, code, invited_on="2018-09-01", channel="email",
                                     info_given="Participant information sheet v2", response="accepted")
        held_on, minutes = content.ROUND_ONE[code]
        interviews.add_interview(study, code, 1, held_on=held_on, duration_min=minutes, location_type="workplace",
                                 schedule_version=1)
        held_on, minutes = content.ROUND_TWO[code]
        interviews.add_interview(study, code, 2, held_on=held_on, duration_min=minutes, location_type="workplace",
                                 purpose="member_reflection")


def _transcripts(study: OpenStudy) -> None:
    """The five round-1 interviews, typed by TM with line numbers, imported as they are and locked."""
    for code, *_ in content.PARTICIPANTS:
        transcripts.import_transcript(study, code, 1, content.transcript_file(code), layout="imported",
                                      notation="verbatim_health", transcriber="TM")
        transcripts.lock_transcript(study, code, 1, why="Checked against the recording, line by line")
        for words in content.NARRATIVE_POINTERS[code]:
            interviews.add_narrative_pointer(study, code, 1, words)
        participants.write_pen_portrait(study, code, content.PEN_PORTRAITS[code])
    for name, passage in content.PASSAGES.items():
        shown = transcripts.show_lines(study, passage.code, 1, first=passage.first, last=passage.first)
        if not shown or passage.opens not in shown[0].text:
            raise InvalidInput(f"demo passage {name!r} does not start on {passage.code} line {passage.first}")


def _recorded_interview(study: OpenStudy) -> None:
    """P1's member reflection: a recording, the speech pipeline's stored draft, a correction, then the lock.

    The draft, pauses and prosody were made once by ``scripts/make-demo-recording`` with the real
    pipeline; loading its stored results keeps the demo fast and offline on the core install.
    """
    from reverie.core.transcript import ParsedTranscript, Turn, Word
    from reverie.services.transcripts.corrections import correct_transcript, current_turns, keep_word_times
    from reverie.store.models import Annotation

    code, round_no = content.RECORDED
    results = json.loads(content.RECORDING_RESULTS.read_text(encoding="utf-8"))
    interviews.attach_recording(study, code, round_no, content.RECORDING, duration_s=results["duration_s"])
    turns = [Turn(t["speaker"], t["text"], t["start"], t["end"], tuple(Word(*w) for w in t["words"]))
             for t in results["turns"]]
    layout = results["layout"]
    speech_info = {**results["speech_info"], "stored_results": "made by scripts/make-demo-recording"}
    stored = transcripts.store_parsed(study, code, round_no, ParsedTranscript(turns, content.RECORDING.name),
                                      layout=layout["mode"], width=layout.get("width"), notation=None,
                                      transcriber=f"whisper:{results['model']}", origin="speech",
                                      source_name=content.RECORDING.name, speech_info=speech_info)
    with study.write("transcript.speech_results", target=f"interview:{code}/{round_no}",
                     payload={"annotations": len(results["annotations"]), "model": results["model"]}) as s:
        for a in results["annotations"]:
            s.add(Annotation(version_id=stored.version_id, kind=a["kind"], start_offset=a["start"],
                             end_offset=a["end"], data=a["data"], note=a["note"], created_by=study.actor))
    draft = current_turns(study, code, round_no)
    fixed = [[turn.speaker, turn.text] for turn in draft]
    for fix in results.get("corrections", []):
        fixed[fix["turn"]][1] = fixed[fix["turn"]][1].replace(fix["heard"], fix["said"], 1)
    fixed = [(speaker, text) for speaker, text in fixed]
    if any(text != turn.text for turn, (_, text) in zip(draft, fixed)):
        correct_transcript(study, code, round_no, keep_word_times(draft, fixed),
                           why="Corrected against the recording: words the speech model mis-heard")
    transcripts.lock_transcript(study, code, round_no, why="Checked against the recording")


def _analysis(study: OpenStudy) -> None:
    """Codes, the reflexive log, extracts, memos, themes and consultations (see analysis.py)."""
    from reverie.services.demo.analysis import build_analysis

    build_analysis(study)
