"""The demo's analysis: the method's loop of affect → extract → memo → consultation → revision.

Its E1 is the "milk" extract, flagged by an affect-rated log entry, talked over again with P1 in
her recorded member reflection and with both PPI groups, whose responses extend its meaning
before it is made final. Everything is quoted from the transcripts at the lines that
:mod:`reverie.services.demo.content` names.
"""

from __future__ import annotations

import functools
import json
import re

from reverie.core.layout import line_range_for_span
from reverie.services.analysis.coding import add_code, apply_code
from reverie.services.analysis.extracts import add_extract, move_extract, set_display_text, set_title
from reverie.services.analysis.memos import save_memo
from reverie.services.analysis.reflexivity import Anchor, add_entry
from reverie.services.analysis.themes import add_theme, place_extract
from reverie.services.demo import content
from reverie.services.demo.readings import first_readings
from reverie.services.involvement.consultations import (
    add_consultation,
    add_ppi_group,
    add_response,
    show_extract,
    show_schedule,
)
from reverie.services.output.reports import set_inline_quotes
from reverie.services.study.context import OpenStudy
from reverie.services.transcripts import versions as transcripts
from reverie.services.transcripts.annotations import add_nonverbal, add_reported_speech


def words_at(study: OpenStudy, code: str, words: str, round_no: int = 1, *, cache: dict | None = None
             ) -> tuple[int, int]:
    """The line range on which ``words`` stand in a participant's transcript (line breaks count as spaces).

    ``cache`` keeps each transcript's text and lines between calls, so coding many passages reads each once.
    """
    cache = {} if cache is None else cache
    if (code, round_no) not in cache:
        info = transcripts.version_info(study, code, round_no)
        cache[code, round_no] = (transcripts.version_text(study, info.id), transcripts.version_lines(study, info.id))
    text, lines = cache[code, round_no]
    found = re.search(r"\s+".join(re.escape(w) for w in words.split()), text)
    if found is None:
        raise LookupError(f"{words!r} is not in {code}'s round-{round_no} transcript")
    return line_range_for_span(lines, found.start(), found.end())


def lines_of(name: str) -> tuple[int, int]:
    passage = content.PASSAGES[name]
    return passage.first, passage.last


# The codebook: discursive objects with the codes that grew under them, discourses, positions.
CODEBOOK = [
    # label, kind, parent, definition
    ("expertise", "discursive_object", None, "Who knows what, and whose knowing counts"),
    ("risk", "discursive_object", None, "Risk as something held, passed on or carried"),
    ("medical model", "discursive_object", None, "Diagnosis, medication and the clinic's script"),
    ("recovery model", "discursive_object", None, "Getting a life back, bit by bit"),
    ("peer support worker role", "discursive_object", None, "What the peer is for, and where the peer sits"),
    ("noticing the ordinary", "free", "peer support worker role", "The peer asks about everyday life: milk, "
                                                                  "cats, the kettle"),
    ("witnessing", "free", "peer support worker role", "The peer's presence makes others see what happens"),
    ("bridging", "free", "peer support worker role", "Carrying words between service users and the team"),
    ("holding risk", "free", "risk", "Who carries the risk that the relationship brings"),
    ("relational care", "discourse", None, "Care as being with and holding in mind"),
    ("biomedical", "discourse", None, "Care as diagnosis, medication and risk management"),
    ("managerialism", "discourse", None, "Value as what can be counted, recorded and funded"),
    ("peer as witness", "subject_position", None, "The peer who sees and is seen seeing"),
    ("professional as learner", "subject_position", None, "The professional taught by the peer"),
]

# Highlights across the five interviews: (code, participant, words the coding covers).
CODINGS = [
    ("noticing the ordinary", "P1", "Things that weren't on the list."),
    ("bridging", "P1", "she sort of stood on it, didn't she"),
    ("biomedical", "P1", "a nursing note might say \"presented as low in mood"),
    ("risk", "P1", "Of someone dying. Of being blamed."),
    ("managerialism", "P1", "the system values what it can count"),
    ("professional as learner", "P1", "the peer workers showed me that isn't true"),
    ("managerialism", "P2", "It wasn't data. Not in the way the waiting list was data."),
    ("biomedical", "P2", "The MDT has a grammar."),
    ("bridging", "P2", "a bridge that both banks walk on"),
    ("professional as learner", "P2", "I learnt that more from watching her"),
    ("witnessing", "P3", "He was a witness."),
    ("medical model", "P3", "It's a horrible word."),
    ("bridging", "P3", "I feel like a postman."),
    ("relational care", "P3", "Thank you for coming back."),
    ("recovery model", "P4", "They see the life. The whole life."),
    ("holding risk", "P4", "what do they do with that?"),
    ("managerialism", "P4", "I don't think we measure that anywhere."),
    ("expertise", "P4", "Expertise by experience."),
    ("medical model", "P5", "Not everything is a symptom."),
    ("holding risk", "P5", "we've outsourced the relationship and kept the responsibility"),
    ("expertise", "P5", "Experiential knowledge."),
]


def _codebook(study: OpenStudy) -> None:
    for label, kind, parent, definition in CODEBOOK:
        add_code(study, label, kind=kind, parent=parent, definition=definition)
    for label, code, name in (("peer support worker role", "P1", "milk"), ("relational care", "P1", "milk"),
                              ("noticing the ordinary", "P1", "milk"), ("expertise", "P1", "professional"),
                              ("medical model", "P4", "tablets"), ("holding risk", "P5", "evidence"),
                              ("peer support worker role", "P2", "feedback"), ("witnessing", "P2", "difference"),
                              ("peer as witness", "P3", "room"), ("biomedical", "P3", "room")):
        apply_code(study, label, code, lines=lines_of(name))
    cache: dict = {}
    for label, code, words in CODINGS:
        apply_code(study, label, code, lines=words_at(study, code, words, cache=cache))
    # What the transcript loses, noted beside the lines; and whose voice the quoted words are.
    add_nonverbal(study, "P2", kind="silence", source="interviewer_notes", lines=lines_of("difference"),
                  description="Long silences; her voice thickened and she looked at the window before going on.")
    add_nonverbal(study, "P3", kind="tearfulness", source="interviewer_notes", lines=lines_of("room"),
                  description="Tearful as she reached \"she just looked at me\"; she apologised and carried on.")
    add_reported_speech(study, "P1", voiced_figure="the peer", lines=words_at(study, "P1", "\"does she have milk "
                                                                                            "at home?\"", cache=cache))
    add_reported_speech(study, "P3", voiced_figure="one of the doctors",
                        lines=words_at(study, "P3", "\"that's not really our job", cache=cache))


def _selection(study: OpenStudy) -> dict[str, int]:
    """The reflexive log and the first extracts: by the researcher's affect first, then by discursive objects."""
    affect = {}
    added = add_entry(study, {"observation": "P1 slowed right down and dropped her voice telling the milk story.",
                              "interpretation": "A tiny request carries the weight of the whole discharge.",
                              "emotional_response": "I was moved; I felt the woman's fear of seeming silly."},
                      stage="interview", affect_intensity=3, flags_extract_candidate=True,
                      anchors=[Anchor(participant="P1", lines=lines_of("milk"))])  # E1
    affect["E1"] = added.entry_id
    add_extract(study, "P1", *lines_of("professional"), why="Exemplifies expertise: what the plan left out.",
                selection_sources=["discursive_object"], objects=["expertise"])  # E2
    added = add_entry(study, {"observation": "Her second description moved me far more than the first: posture, "
                                             "tone, the pauses.",
                              "emotional_response": "I felt the shift in the room physically; my own shoulders "
                                                    "dropped."},
                      stage="interview", affect_intensity=3, flags_extract_candidate=True,
                      anchors=[Anchor(participant="P2", lines=lines_of("difference"))])  # E3
    affect["E3"] = added.entry_id
    add_extract(study, "P2", *lines_of("feedback"), why="Feedback on paper as evidence of the peer role.",
                selection_sources=["discursive_object"], objects=["peer support worker role"])  # E4
    added = add_entry(study, {"observation": "P3 retold the doctor's dismissal of the carer, then apologised for "
                                             "getting emotional.",
                              "emotional_response": "I empathised with her embarrassment; I wanted to rescue her."},
                      stage="interview", affect_intensity=2, flags_extract_candidate=True,
                      anchors=[Anchor(participant="P3", lines=lines_of("room"))])  # E5
    affect["E5"] = added.entry_id
    add_extract(study, "P5", *lines_of("evidence"), why="Risk as a discursive object; a sceptical voice.",
                selection_sources=["discursive_object"], objects=["risk"])  # E6
    add_entry(study, {"observation": "Typing up P4: \"I don't think we measure that anywhere\" came after a long "
                                     "silence, and his voice dropped.",
                      "interpretation": "What matters most in the peer role is what the service cannot count.",
                      "emotional_response": "A pang of sadness, and recognition."},
              stage="transcription", affect_intensity=2, anchors=[Anchor(participant="P4", lines=lines_of("measure"))])
    add_entry(study, {"observation": "P5 spoke fast and formally about evidence.",
                      "emotional_response": "I felt defensive on the peers' behalf and noticed it."},
              stage="analysis", affect_intensity=1, tags=["methodological_decision"],
              anchors=[Anchor(participant="P5", lines=lines_of("evidence"))])
    move_extract(study, "E6", "set_aside", reason="Thoughtful, but little emotional resonance; kept as a contrast.")
    set_display_text(study, "E1", 'I remember once a… peer [support worker] said […] "does she have milk at home?" '
                                  "And it was such a little thing, such a silly little thing, and none of us had "
                                  "thought of it.")
    for handle, title in (("E1", "Does she have milk at home?"), ("E2", "Humbling"),
                          ("E3", "You could see the difference"), ("E4", "Feedback on paper"),
                          ("E5", "In the room")):
        set_title(study, handle, title)
    return affect


def _close_readings(study: OpenStudy, affect: dict[str, int]) -> None:
    for handle, reading in first_readings(affect).items():
        move_extract(study, handle, "shortlisted", reason="Most meaning and emotional resonance so far.")
        save_memo(study, handle, willig=reading.get("willig"), positioning=reading.get("positioning"),
                  psychosocial=reading.get("psychosocial"), summary=reading.get("summary"))
        move_extract(study, handle, "analysed", reason="First close analysis written (memo version 1).")
    themes = (("The 'Little' Things", "subjective experience for practice",
               "Small, ordinary acts of the peer that say a person has been held in mind.", ("E1", "E2")),
              ("Embodied affect", "emotional impact",
               "What the peer's presence does in the room, felt more than said.", ("E3", "E4")),
              ("Challenge", "organisational context",
               "Where the organisation's hierarchy silences what the peer sees, and counts what it can measure.",
               ("E5",)))
    for label, dimension, description, handles in themes:
        add_theme(study, label, dimension=dimension, description=description)
        for handle in handles:
            place_extract(study, label, handle)


@functools.cache
def _recording_results() -> dict:
    return json.loads(content.RECORDING_RESULTS.read_text(encoding="utf-8"))


def _recorded_time(words: str) -> float:
    """When P1 starts saying ``words`` in her recorded member reflection (from the stored word times)."""
    results = _recording_results()
    wanted = [w.strip(".,?!").lower() for w in words.split()]
    timed = [(w[0].strip(".,?!").lower(), w[1]) for t in results["turns"] for w in t["words"]]
    for index in range(len(timed) - len(wanted) + 1):
        if [w for w, _ in timed[index:index + len(wanted)]] == wanted:
            return round(float(timed[index][1]), 1)
    return round(float(results["duration_s"]) / 2, 1)


def _consultations(study: OpenStudy) -> dict[str, list]:
    groups = {"PPI-A": "Service users; members of a forum informing mental health service developments",
              "PPI-B": "Multidisciplinary mental health professionals (mirrors the participant group)"}
    for label, composition in groups.items():
        add_ppi_group(study, label, composition_summary=composition, stages=["design", "analysis"])
        design = add_consultation(study, "ppi_design", group=label, held_on="2018-06-01", title="Schedule draft")
        show_schedule(study, design.id, 1)

    own = {"P1": ("E1", "E2"), "P2": ("E3", "E4"), "P3": ("E5",), "P4": (), "P5": ()}
    reflections = {}
    for code, *_ in content.PARTICIPANTS:
        held_on, minutes = content.ROUND_TWO[code]
        recorded = (code, 2) == content.RECORDED
        reflection = add_consultation(study, "member_reflection", participant=code, held_on=held_on,
                                      duration_min=minutes, location_type="workplace", recording="audio",
                                      transcribed=recorded)
        for handle in own[code]:
            show_extract(study, reflection.id, handle)
        reflections[code] = reflection.id
    for handle in ("E1", "E2", "E3", "E4", "E5"):
        move_extract(study, handle, "presented", reason="Presented back in the participant's round-2 interview.")

    milk = [add_response(study, reflections["P1"], target="construction", extract="E1", detail="milk",
                         types=["extend"], resonance=3, timecode_s=_recorded_time("The hospital gives you milk"),
                         summary="Milk as care and comfort: the hospital provides it, home does not, not unless "
                                 "somebody thinks of you.", disposition="incorporated")]
    silly = add_response(study, reflections["P1"], target="extract", extract="E1", types=["clarify"], resonance=2,
                         timecode_s=_recorded_time("Only the word silly"),
                         summary="She said 'silly' out of embarrassment at not asking herself; the question was "
                                 "not silly.", disposition="incorporated",
                         rationale="The quotation keeps her word; the memo now reads it as embarrassment.")
    witnessed = add_response(study, reflections["P2"], target="memo", extract="E3", types=["affirm", "extend"],
                             resonance=3, summary="Value must be witnessed; managers without direct experience "
                                                  "risk tokenism.", disposition="incorporated")
    add_response(study, reflections["P3"], target="extract", extract="E5", types=["affirm"], resonance=3,
                 summary="She still thinks about that meeting; she wants it in the paper so someone thinks twice.",
                 disposition="incorporated", rationale="Kept as a final extract under Challenge.")

    add_response(study, reflections["P4"], target="theme", detail="Challenge", types=["extend"], resonance=3,
                 summary="The café is not an extra: for young people it is where the work happens; the service "
                         "counts the milligrams.", disposition="partly_incorporated",
                 rationale="Added to the theme's description; his words stay an inline quotation, not an extract.")
    show_extract(study, reflections["P5"], "E6")
    add_response(study, reflections["P5"], target="extract", extract="E6", types=["clarify"], resonance=1,
                 summary="His scepticism is about evidence, not about peers; he asked that it not read as opposition.",
                 disposition="noted_not_incorporated",
                 rationale="E6 was set aside before the member reflections; his clarification is kept with it.")
    add_entry(study, {"observation": "Listening back to P1's member reflection: a long silence before \"Home "
                                     "doesn't\", then she said it quietly.",
                      "interpretation": "Milk stands for care that is there on the ward and gone at home.",
                      "emotional_response": "I felt the weight of the empty fridge again, more than at the first "
                                            "interview."},
              stage="consultation", affect_intensity=3,
              anchors=[Anchor(participant="P1", round=2, time_s=_recorded_time("Home doesn't"),
                              consultation=reflections["P1"])])

    for label in groups:
        session = add_consultation(study, "ppi_analysis", group=label, held_on="2019-04-02",
                                   title="Key extracts and draft analyses")
        for handle in ("E1", "E2", "E3", "E4", "E5"):
            show_extract(study, session.id, handle)
        if label == "PPI-A":
            milk.append(add_response(study, session.id, target="construction", extract="E1", detail="milk",
                                     types=["extend"], resonance=3, disposition="incorporated",
                                     summary="Milk waiting at home is care carried over: being held in mind at a "
                                             "vulnerable transition."))
        else:
            add_response(study, session.id, target="extract", extract="E5", types=["concern_wording"], resonance=1,
                         summary="'Embarrassed' may read as blaming the doctor; keep the participant's words.",
                         disposition="noted_not_incorporated", rationale="The word is the participant's own.")
    return {"milk": milk, "silly": [silly], "witnessed": [witnessed]}


def _refinement(study: OpenStudy, responses: dict[str, list]) -> None:
    evidence = [{"kind": "response", "id": r.id} for r in responses["milk"] + responses["silly"]]
    save_memo(study, "E1", willig={"subjectivity": "Being held in mind at a vulnerable transition; milk as care "
                                                   "and comfort carried over from hospital to home."},
              psychosocial={"defences": ["Laughter at the moment of admitting the blind spot",
                                         "\"Silly\": her embarrassment at not asking the question herself, as she "
                                         "said in her member reflection"]},
              why="P1 and the service-user group extended the meaning of milk; P1 explained her word 'silly'.",
              evidence_refs=evidence)
    move_extract(study, "E1", "refined", reason="Meaning of milk extended by P1 and PPI-A.", evidence_refs=evidence)
    witnessed = [{"kind": "response", "id": r.id} for r in responses["witnessed"]]
    save_memo(study, "E3", willig={"practice": {"enables": ["valuing peers through witnessing their work"]}},
              why="P2 affirmed the reading and added that value must be witnessed.", evidence_refs=witnessed)
    move_extract(study, "E3", "refined", reason="P2's member reflection extended the reading.",
                 evidence_refs=witnessed)
    for handle in ("E1", "E2", "E3", "E4", "E5"):
        move_extract(study, handle, "final", reason="Kept for the report: most meaning and emotional resonance.")
    important, tablets = content.PASSAGES["important"], content.PASSAGES["tablets"]
    set_inline_quotes(study, [{"participant": "P1", "line": important.first, "quote": "really important"},
                              {"participant": "P4", "line": tablets.first, "quote": "psychology or tablets"}])


def build_analysis(study: OpenStudy) -> None:
    _codebook(study)
    affect = _selection(study)
    _close_readings(study, affect)
    _refinement(study, _consultations(study))
