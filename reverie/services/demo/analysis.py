"""The demo's analysis: the method's loop of affect → extract → memo → consultation → revision.

Its E1 is the "milk" extract, flagged by an affect-rated log entry, shown to P1 in a member
reflection and to a PPI group, whose responses extend its meaning before it is made final.
"""

from __future__ import annotations

from reverie.core.layout import line_range_for_span
from reverie.services.analysis.coding import add_code, apply_code
from reverie.services.analysis.extracts import (
    add_extract,
    move_extract,
    set_display_text,
)
from reverie.services.analysis.memos import save_memo
from reverie.services.analysis.reflexivity import Anchor, add_entry
from reverie.services.analysis.themes import add_theme, place_extract
from reverie.services.demo import content
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


def passage_lines(study: OpenStudy, code: str, words: str) -> tuple[int, int]:
    """The line range on which ``words`` stand in a participant's round-1 transcript."""
    info = transcripts.version_info(study, code, 1)
    text = transcripts.version_text(study, info.id)
    start = text.index(words)
    return line_range_for_span(transcripts.version_lines(study, info.id), start, start + len(words))


def _passage(code: str, name: str) -> str:
    return dict(content.KEY_PASSAGES[code])[name]


def build_analysis(study: OpenStudy) -> None:
    lines = {(code, name): passage_lines(study, code, text)
             for code, passages in content.KEY_PASSAGES.items() for name, text in passages if code != "P4"}
    lines["P4", "tablets"] = passage_lines(study, "P4", "psychology or tablets")
    milk = lines["P1", "milk"]
    important = passage_lines(study, "P1", "it's the little things, but they're really important")

    for label in ("expertise", "risk", "medical model", "recovery model", "peer support worker role"):
        add_code(study, label, kind="discursive_object")
    add_code(study, "relational care", kind="discourse", definition="Care as being with and holding in mind")
    add_code(study, "biomedical", kind="discourse", definition="Care as diagnosis, medication and risk management")
    add_code(study, "peer as witness", kind="subject_position")
    apply_code(study, "peer support worker role", "P1", lines=milk)
    apply_code(study, "relational care", "P1", lines=milk)
    apply_code(study, "expertise", "P1", lines=lines["P1", "professional"])
    apply_code(study, "medical model", "P4", lines=lines["P4", "tablets"])
    apply_code(study, "risk", "P5", lines=lines["P5", "evidence"])
    apply_code(study, "peer support worker role", "P2", lines=lines["P2", "feedback"])
    apply_code(study, "peer as witness", "P3", lines=lines["P3", "room"])

    add_entry(study, {"observation": "P1 slowed right down and dropped her voice telling the milk story.",
                      "interpretation": "A tiny request carries the weight of the whole discharge.",
                      "emotional_response": "I was moved; I felt the woman's fear of seeming silly."},
              stage="interview", affect_intensity=3, flags_extract_candidate=True,
              anchors=[Anchor(participant="P1", lines=milk)])  # E1
    add_extract(study, "P1", *lines["P1", "professional"], why="Exemplifies expertise: what the plan left out.",
                selection_sources=["discursive_object"], objects=["expertise"])  # E2
    add_entry(study, {"observation": "Her second description moved me far more than the first: posture, tone, the "
                                     "pauses.",
                      "emotional_response": "I felt the shift in the room physically."},
              stage="interview", affect_intensity=3, flags_extract_candidate=True,
              anchors=[Anchor(participant="P2", lines=lines["P2", "difference"])])  # E3
    add_extract(study, "P2", *lines["P2", "feedback"], why="Feedback on paper as evidence of the peer role.",
                selection_sources=["discursive_object"], objects=["peer support worker role"])  # E4
    add_entry(study, {"observation": "P3 retold the doctor's dismissal of carers.",
                      "emotional_response": "I empathised with her embarrassment; I wanted to rescue her."},
              stage="interview", affect_intensity=2, flags_extract_candidate=True,
              anchors=[Anchor(participant="P3", lines=lines["P3", "room"])])  # E5
    add_extract(study, "P5", *lines["P5", "evidence"], why="Risk as a discursive object; a sceptical voice.",
                selection_sources=["discursive_object"], objects=["risk"])  # E6
    add_entry(study, {"observation": "A long silence before \"I don't think we measure that anywhere\"; her voice "
                                     "dropped.",
                      "interpretation": "What matters most in the peer role is what the service cannot count.",
                      "emotional_response": "A pang of sadness, and recognition."},
              stage="transcription", affect_intensity=2,
              anchors=[Anchor(participant="P4", lines=passage_lines(study, "P4", "I don't think we measure that"))])
    add_entry(study, {"observation": "P5 spoke fast and formally about evidence.",
                      "emotional_response": "I felt defensive on the peers' behalf and noticed it."},
              stage="analysis", affect_intensity=1, tags=["methodological_decision"])
    move_extract(study, "E6", "set_aside", reason="Thoughtful, but little emotional resonance; kept as a contrast.")
    set_display_text(study, "E1", 'I remember once a… peer [support worker] said […] "does she have milk at home?" '
                                  "And it was such a little thing, such a silly little thing, and none of us had "
                                  "thought of it.")

    first_readings = {
        "E1": ({"constructions": [{"label": "milk", "wording": "does she have milk at home?"}],
                "action_orientation": "The contrast accounts for why professionals missed the milk and raises the "
                                      "peer's contribution.",
                "discourses": ["relational care", "biomedical"]},
               {"anxieties": "Fear of seeming silly in front of professionals.",
                "identifications": "P1 identifies with the peer's attention to ordinary needs."}),
        "E2": ({"action_orientation": "A confession of a professional blind spot."}, {}),
        "E3": ({"subjectivity": "Being moved in the room; impact beyond words (speculative)."},
               {"embodied_nonverbal": "Long pauses, slowed speech; the transcript loses most of it."}),
        "E4": ({"action_orientation": "Feedback on paper as evidence of value."}, {}),
        "E5": ({"action_orientation": "Retelling a dismissal; the silent peer as witness."},
               {"ambivalence_contradictions": "Critical of the doctor yet part of the same team."}),
    }
    for handle, (willig, psychosocial) in first_readings.items():
        move_extract(study, handle, "shortlisted", reason="Most meaning and emotional resonance so far.")
        save_memo(study, handle, willig=willig, psychosocial=psychosocial or None,
                  positioning=[{"positioner": "P1", "positioned": "the peer", "position_label": "voice of the "
                                "marginalised", "mode": "interactive", "order": "third", "uptake": "taken_up"}]
                  if handle == "E1" else None)
        move_extract(study, handle, "analysed", reason="First close analysis written (memo version 1).")

    for label, dimension, handles in (("The 'Little' Things", "subjective experience for practice", ("E1", "E2")),
                                      ("Embodied affect", "emotional impact", ("E3", "E4")),
                                      ("Challenge", "organisational context", ("E5",))):
        add_theme(study, label, dimension=dimension)
        for handle in handles:
            place_extract(study, label, handle)

    groups = {"PPI-A": "Service users; members of a forum informing mental health service developments",
              "PPI-B": "Multidisciplinary mental health professionals"}
    for label, composition in groups.items():
        add_ppi_group(study, label, composition_summary=composition, stages=["design", "analysis"])
        design = add_consultation(study, "ppi_design", group=label, held_on="2018-11-05", title="Schedule draft")
        show_schedule(study, design.id, 1)

    reflection = add_consultation(study, "member_reflection", participant="P1", held_on="2019-06-21",
                                  duration_min=40, location_type="workplace", recording="audio", transcribed=False)
    for handle in ("E1", "E2"):
        show_extract(study, reflection.id, handle)
    p2 = add_consultation(study, "member_reflection", participant="P2", held_on="2019-06-22", duration_min=45,
                          location_type="workplace", recording="audio", transcribed=False)
    for handle in ("E3", "E4"):
        show_extract(study, p2.id, handle)
    for handle in ("E1", "E2", "E3", "E4", "E5"):
        move_extract(study, handle, "presented", reason="Presented back in the participant's round-2 interview.")
    responses = [add_response(study, reflection.id, target="construction", extract="E1", detail="milk",
                              types=["extend"], resonance=3, timecode_s=420.0,
                              summary="Milk as care and comfort: the hospital provides it, home does not.",
                              disposition="incorporated")]
    witnessed = add_response(study, p2.id, target="memo", extract="E3", types=["affirm", "extend"], resonance=3,
                             timecode_s=610.0, disposition="incorporated",
                             summary="Value must be witnessed; managers without direct experience risk tokenism.")
    session = add_consultation(study, "ppi_analysis", group="PPI-A", held_on="2019-07-30",
                               title="Key extracts and draft analyses")
    for handle in ("E1", "E3", "E5"):
        show_extract(study, session.id, handle)
    responses.append(add_response(study, session.id, target="construction", extract="E1", detail="milk",
                                  types=["extend"], resonance=3, disposition="incorporated",
                                  summary="Milk waiting at home is care carried over: being held in mind at a "
                                          "vulnerable transition."))
    add_response(study, session.id, target="extract", extract="E5", types=["concern_wording"], resonance=1,
                 summary="'Embarrassed' may read as blaming the doctor; keep the participant's words.",
                 disposition="noted_not_incorporated", rationale="The word is the participant's own.")

    evidence = [{"kind": "response", "id": r.id} for r in responses]
    save_memo(study, "E1", willig={"subjectivity": "Being held in mind at a vulnerable transition; milk as care "
                                                   "and comfort carried over from hospital to home."},
              why="P1 and the service-user group extended the meaning of milk.", evidence_refs=evidence)
    move_extract(study, "E1", "refined", reason="Meaning of milk extended by P1 and PPI-A.", evidence_refs=evidence)
    save_memo(study, "E3", willig={"practice": {"enables": ["valuing peers through witnessing their work"]}},
              why="P2 affirmed the reading and added that value must be witnessed.",
              evidence_refs=[{"kind": "response", "id": witnessed.id}])
    for handle in ("E1", "E2", "E3", "E4", "E5"):
        move_extract(study, handle, "final", reason="Kept for the report: most meaning and emotional resonance.")
    set_inline_quotes(study, [{"participant": "P1", "line": important[0], "last_line": important[1],
                               "quote": "really important"},
                              {"participant": "P4", "line": lines["P4", "tablets"][0],
                               "quote": "psychology or tablets"}])
