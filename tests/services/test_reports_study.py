"""A small version of the reference study (METHOD.md §11) for the report and packet tests.

Built through the services where they exist and through ``study.write`` for the analysis
records, with synthetic transcript text: only line numbers and a few opening words follow the
reference paper. Replace with ``tests/fixtures/reference_study.build_reference_study`` once it
lands.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select

from reverie.services import interviews, participants, studies, transcripts
from reverie.services.reports import set_inline_quotes
from reverie.services.studies import Identity, init_study
from reverie.store.models import (
    Code, Coding, Consultation, ConsultationMaterial, Decision, Extract, Interview, InterviewSchedule, Memo,
    MemoVersion, Participant, PPIGroup, ReflexiveEntry, Response, ScheduleItem, Theme, Transcript, TranscriptLine,
)

TM = Identity(name="Tom Moore", initials="TM")

PEOPLE = [
    ("P1", "F", "Occupational Therapist", "Acute Care"),
    ("P2", "F", "Psychologist", "Community"),
    ("P3", "F", "Nurse", "Community"),
    ("P4", "M", "Social Worker", "Specialist Services"),
    ("P5", "M", "Psychiatrist", "Community"),
]
ROUND_1 = {"P1": ("2018-10-01", 45), "P2": ("2018-10-08", 60), "P3": ("2018-10-15", 80),
           "P4": ("2018-10-22", 55), "P5": ("2018-10-29", 70)}
ROUND_2 = {"P1": ("2019-01-05", 25), "P2": ("2019-02-10", 30), "P3": ("2019-03-20", 45),
           "P4": ("2019-02-25", 35), "P5": ("2019-01-30", 40)}
# Lines each transcript covers, and the words that must sit on certain lines.
SPANS = {"P1": (970, 990), "P2": (210, 610), "P3": (410, 420), "P4": (520, 530), "P5": (1, 6)}
WORDS = {
    ("P1", 978): "I remember once a… peer [support worker] came in",
    ("P1", 982): "as a professional it was kind of i-i-it (laughs)",
    ("P1", 987): "which was really important to her",
    ("P2", 216): "the feedback we got from clients was",
    ("P2", 601): "you could see the difference in the room",
    ("P3", 415): "the peer worker was in the room and",
    ("P4", 527): "not psychology or tablets but milk",
}
# (participant, first, last, theme, position in theme); P2's 601-4 comes before 216-22 in its theme.
FINAL = [("P1", 978, 981, 0, 1), ("P1", 982, 985, 0, 2), ("P2", 216, 222, 1, 2), ("P2", 601, 604, 1, 1),
         ("P3", 415, 419, 2, 1)]
THEMES = [("The 'Little' Things", "subjective experience for practice"),
          ("Embodied affect", "emotional impact"), ("Challenge", "organisational context")]
INLINE = [{"participant": "P1", "line": 987, "quote": "really important"},
          {"participant": "P4", "line": 527, "quote": "psychology or tablets"}]


def _transcript_file(folder: Path, code: str) -> Path:
    first, last = SPANS[code]
    lines = [f"{first}  I: Can you tell me about a time with a peer support worker?"]
    lines.append(f"{first + 1}  {code}: well there was one time")
    for number in range(first + 2, last + 1):
        lines.append(f"{number}  {WORDS.get((code, number), f'synthetic talk on line {number}')}")
    path = folder / f"{code}-r1.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _people_and_interviews(study, root: Path) -> None:
    studies.update_study(
        study, title="What NHS mental health professionals value about peer support workers",
        research_question="What do mental health professionals value about peer support workers?",
        approaches=["FANI-influenced semi-structured interviews", "Willig FDA", "Davies & Harré positioning",
                    "psychosocial (Hollway & Jefferson)"],
        setting="Adult mental health services, one NHS Trust (UK)", sampling_strategy="purposive",
        inclusion_criteria=["employed in adult MH setting in UK NHS", "user-involvement work within 6 months"],
        ppi_plan={"approach": "consultation", "aim": "", "guidance": "INVOLVE"})
    interviews.save_researcher(study, "TM", roles=["interviewer", "transcriber", "analyst"],
                               occupation="Counselling Psychologist, NHS", relationship_to_participants="none",
                               berger_position="shared_experience")
    interviews.add_ethics_approval(study, "REC", reference="University REC")
    interviews.add_ethics_approval(study, "HRA", reference="IRAS 237366")
    audio = root / "audio.wav"
    audio.write_bytes(b"RIFF-not-really-audio")
    for code, gender, profession, setting in PEOPLE:
        participants.add_participant(study, code, gender=gender, profession=profession, setting=setting,
                                     years_band=">15", recruitment_channel="email")
        participants.record_consent(study, code, consented_on="2018-09-01")
        held, minutes = ROUND_1[code]
        interviews.add_interview(study, code, 1, held_on=held, duration_min=minutes, location_type="workplace",
                                 interviewer="TM")
        held, minutes = ROUND_2[code]
        interviews.add_interview(study, code, 2, held_on=held, duration_min=minutes, location_type="workplace",
                                 purpose="member_reflection", interviewer="TM")
        for round_no in (1, 2):
            audio.write_bytes(f"RIFF {code} {round_no}".encode())
            interviews.attach_recording(study, code, round_no, audio)
        transcripts.import_transcript(study, code, 1, _transcript_file(root, code), layout="imported",
                                      transcriber="TM")
        transcripts.lock_transcript(study, code, 1)


def _analysis(study) -> dict:
    """Themes, the five final extracts, a set-aside one, memos, codes, log entries; returns ids by name."""
    ids: dict = {"extracts": [], "memo_versions": []}
    with study.write("fixture.analysis") as s:
        by_code = {p.code: p for p in s.execute(select(Participant)).scalars()}
        themes = []
        for position, (label, dimension) in enumerate(THEMES, 1):
            theme = Theme(study_id=study.study_id, guid=f"theme-{position}", label=label, dimension=dimension,
                          position=position)
            s.add(theme)
            themes.append(theme)
        s.flush()
        code = Code(study_id=study.study_id, guid="code-1", kind="discursive_object", label="expertise")
        s.add(code)
        s.add(Code(study_id=study.study_id, guid="code-2", kind="discursive_object", label="risk"))
        s.flush()
        for handle, (pcode, first, last, theme, position) in enumerate(
                [*FINAL, ("P5", 3, 4, None, 0)], 1):
            participant = by_code[pcode]
            interview = s.execute(select(Interview).where(Interview.participant_id == participant.id,
                                                          Interview.round == 1)).scalar_one()
            version_id = s.execute(select(Transcript.current_version_id).where(
                Transcript.interview_id == interview.id)).scalar_one()
            lines = s.execute(select(TranscriptLine).where(
                TranscriptLine.version_id == version_id, TranscriptLine.number >= first,
                TranscriptLine.number <= last).order_by(TranscriptLine.number)).scalars().all()
            text = "\n".join(line.text for line in lines)
            extract = Extract(study_id=study.study_id, handle_no=handle, participant_id=participant.id,
                              version_id=version_id, start_line=first, end_line=last,
                              start_offset=lines[0].start_offset, end_offset=lines[-1].end_offset,
                              text_snapshot=text, display_text=text,
                              status="final" if theme is not None else "set_aside",
                              theme_id=themes[theme].id if theme is not None else None, theme_position=position)
            s.add(extract)
            s.flush()
            memo = Memo(study_id=study.study_id, guid=f"memo-{handle}", extract_id=extract.id)
            s.add(memo)
            s.flush()
            version = MemoVersion(
                memo_id=memo.id, version=1, summary=f"Draft reading of extract E{handle}.", created_by="TM",
                willig={"constructions": ["milk as care"], "action_orientation": "it makes small acts count",
                        "practice": {"enables": ["noticing small needs"], "constrains": []}},
                psychosocial={"anxieties": "being de-skilled", "researcher_affect": ["private note 1"]})
            s.add(version)
            s.flush()
            ids["extracts"].append(extract.id)
            ids["memo_versions"].append(version.id)
        version_id = s.execute(select(Extract.version_id).where(Extract.id == ids["extracts"][0])).scalar_one()
        s.add(Coding(guid="coding-1", code_id=code.id, version_id=version_id, start_offset=0, end_offset=5,
                     start_line=978, end_line=978, coder="TM"))
        for stage, tags in (("interview", []), ("analysis", []), ("consultation", ["ppi"])):
            s.add(ReflexiveEntry(study_id=study.study_id, guid=f"log-{stage}", author="TM", stage=stage,
                                 parts={"observation": f"{stage} note"}, tags=tags))
    return ids


def _involvement(study, ids: dict) -> dict:
    """Two PPI groups at design and analysis, and a member reflection per participant."""
    with study.write("fixture.involvement") as s:
        schedule = InterviewSchedule(study_id=study.study_id, version=1)
        schedule.items = [ScheduleItem(seq=1, kind="narrative",
                                       text="Can you tell me about a time with a peer support worker?")]
        s.add(schedule)
        groups = [PPIGroup(study_id=study.study_id, label="PPI-A", stages=["design", "analysis"],
                           composition_summary="service users from a forum informing MH service developments"),
                  PPIGroup(study_id=study.study_id, label="PPI-B", stages=["design", "analysis"],
                           composition_summary="multidisciplinary MH professionals")]
        s.add_all(groups)
        s.flush()
        consultations = {}
        for group, month in ((groups[0], "04"), (groups[1], "05")):
            design = Consultation(study_id=study.study_id, kind="ppi_design", group_id=group.id,
                                  held_on=_date(f"2018-{month}-01"))
            design.materials = [ConsultationMaterial(kind="schedule", schedule_id=schedule.id)]
            analysis = Consultation(study_id=study.study_id, kind="ppi_analysis", group_id=group.id,
                                    held_on=_date(f"2019-{month}-01"), questions_posed="What does milk mean here?")
            analysis.materials = [ConsultationMaterial(kind="extract", extract_id=ids["extracts"][i],
                                                       memo_version_id=ids["memo_versions"][i]) for i in (0, 3, 4)]
            analysis.responses = [Response(respondent=group.label, target_kind="construction", target_detail="milk",
                                           types=["extend"], summary="care and comfort", disposition="incorporated")]
            s.add_all([design, analysis])
            consultations[group.label] = analysis
        people = {p.code: p for p in s.execute(select(Participant)).scalars()}
        owners = {"P1": (0, 1), "P2": (2, 3), "P3": (4,)}
        for code, participant in people.items():
            member = Consultation(study_id=study.study_id, kind="member_reflection", participant_id=participant.id,
                                  held_on=_date("2019-02-01"))
            member.materials = [ConsultationMaterial(kind="extract", extract_id=ids["extracts"][i],
                                                     memo_version_id=ids["memo_versions"][i])
                                for i in owners.get(code, ())]
            member.responses = [Response(respondent=code, target_kind="memo", types=["affirm"],
                                         summary="that rings true", disposition="incorporated")]
            s.add(member)
            consultations[code] = member
        s.flush()
        s.add(Decision(study_id=study.study_id, type="revise_interpretation", actor="TM", rationale="milk as care",
                       evidence_refs=[{"kind": "response", "id": consultations["PPI-A"].responses[0].id}]))
    return {name: c.id for name, c in consultations.items()}


def _date(text: str) -> date:
    return date.fromisoformat(text)


def build_study(root: Path):
    """The reference-like study in ``root/study``; returns (study, consultation ids by group or participant)."""
    root.mkdir(parents=True, exist_ok=True)
    study = init_study(root / "study", title="Peer support study", identity=TM)
    _people_and_interviews(study, root)
    consultations = _involvement(study, _analysis(study))
    set_inline_quotes(study, INLINE)
    return study, consultations


def test_the_study_builds_with_five_final_extracts(tmp_path):
    study, consultations = build_study(tmp_path)
    with study.read() as s:
        assert len(s.execute(select(Extract).where(Extract.status == "final")).scalars().all()) == 5
    assert set(consultations) == {"PPI-A", "PPI-B", "P1", "P2", "P3", "P4", "P5"}
    study.close()
