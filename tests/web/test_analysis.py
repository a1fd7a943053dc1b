"""Selections become coded spans, extracts and notes; the board, memos and provenance follow them."""

from __future__ import annotations

from sqlalchemy import select

from reverie.services.analysis import coding, extracts
from reverie.services.transcripts import versions as transcripts
from reverie.store.models import Coding

EMOJI = "\U0001F95B"


def find_line(study, needle: str):
    """(number, text) of the first P1 line holding ``needle``."""
    return next((line.number, line.text) for line in transcripts.show_lines(study, "P1", 1) if needle in line.text)


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def codings_of(study) -> list[Coding]:
    with study.read() as s:
        return list(s.execute(select(Coding)).scalars())


def test_a_selection_after_an_emoji_is_coded_on_the_right_code_points(client):
    study = client.app.state.study
    number, text = find_line(study, EMOJI)
    start = text.index("and I")
    assert EMOJI in text[:start]  # so UTF-16 and code-point offsets differ by one here
    body = {"start_line": number, "start_offset": utf16(text[:start]), "end_line": number,
            "end_offset": utf16(text[:start + len("and I")]), "exact": "and I",
            "label": "milk as emblem", "kind": "discursive_object", "note": "the little things"}
    answer = client.post("/interviews/P1/1/codings", json=body, headers={"Accept": "application/json"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["lines"] == [number, number]
    [made] = codings_of(study)
    version_text = transcripts.version_text(study, made.version_id)
    assert version_text[made.start_offset:made.end_offset] == "and I"
    assert version_text[made.start_offset - 2] == EMOJI
    assert [c.label for c in coding.list_codes(study)] == ["milk as emblem"]


def test_an_emoji_selection_spanning_lines_is_coded_whole(client):
    study = client.app.state.study
    number, text = find_line(study, EMOJI)
    start = text.index(EMOJI)
    following = transcripts.show_lines(study, "P1", 1, first=number + 1, last=number + 1)[0].text
    body = {"start_line": number, "start_offset": utf16(text[:start]), "end_line": number + 1,
            "end_offset": 4, "exact": text[start:] + "\n" + following[:4], "label": "milk", "kind": "discursive_object"}
    assert client.post("/interviews/P1/1/codings", json=body).status_code == 200
    [made] = codings_of(study)
    coded = transcripts.version_text(study, made.version_id)[made.start_offset:made.end_offset]
    assert coded.startswith(EMOJI) and coded.endswith(following[:4])
    assert (made.start_line, made.end_line) == (number, number + 1)


def test_a_selection_from_the_reading_view_is_found_by_its_words(client):
    study = client.app.state.study
    number, _ = find_line(study, "psychology")
    body = {"start_line": number, "start_offset": 0, "end_line": number, "end_offset": 5,
            "exact": "psychology or tablets", "label": "medical model", "kind": "discursive_object"}
    assert client.post("/interviews/P1/1/codings", json=body).status_code == 200
    [made] = codings_of(study)
    made_text = transcripts.version_text(study, made.version_id)
    assert made_text[made.start_offset:made.end_offset] == "psychology or tablets"
    body["exact"] = "words nobody said"
    refused = client.post("/interviews/P1/1/codings", json=body, headers={"Accept": "application/json"})
    assert refused.status_code == 422 and "analysis view" in refused.json()["error"]


def test_coding_a_draft_is_refused_with_the_reason(client):
    body = {"start_line": 1, "start_offset": 0, "end_line": 1, "end_offset": 4, "exact": "Tell",
            "label": "team", "kind": "free"}
    refused = client.post("/interviews/P2/1/codings", json=body, headers={"Accept": "application/json"})
    assert refused.status_code == 409 and "not locked" in refused.json()["error"]


def select_lines(study, needle: str) -> dict:
    number, text = find_line(study, needle)
    return {"start_line": number, "start_offset": 0, "end_line": number, "end_offset": utf16(text), "exact": text}


def test_extract_board_moves_need_a_reason_and_show_in_provenance(client):
    study = client.app.state.study
    made = client.post("/interviews/P1/1/extracts", json={**select_lines(study, "silly"), "why": "it moved me",
                                                          "sources": ["researcher_affect"], "title": "Milk"})
    assert made.status_code == 200 and made.json()["handle"] == "E1"
    board = client.get("/extracts").text
    assert "E1" in board and "Milk" in board and 'name="reason"' in board
    refused = client.post("/extracts/E1/move", data={"to_status": "shortlisted", "reason": " "},
                          headers={"HX-Request": "true"})
    assert refused.status_code == 422 and "needs a reason" in refused.text
    moved = client.post("/extracts/E1/move", data={"to_status": "shortlisted", "reason": "exemplifies milk"},
                        headers={"HX-Request": "true"})
    assert moved.status_code == 200 and 'id="board"' in moved.text
    assert extracts.get_extract(study, "E1").status == "shortlisted"
    history = client.get("/extracts/E1").text
    assert "it moved me" in history and "exemplifies milk" in history


def test_a_reflexive_note_can_flag_a_candidate_extract(client):
    study = client.app.state.study
    answer = client.post("/interviews/P1/1/log", json={
        **select_lines(study, "nobody else"), "parts": {"emotional_response": "a lump in my throat"},
        "affect_intensity": 3, "flags_extract_candidate": True})
    assert answer.status_code == 200 and "E1" in answer.json()["message"]
    assert "a lump in my throat" in client.get("/log").text
    assert "a lump in my throat" in client.get("/extracts/E1").text


def test_affect_timeline_draws_feelings_and_extracts_along_the_lines(client):
    study = client.app.state.study
    client.post("/interviews/P1/1/log", json={**select_lines(study, "nobody else"), "affect_intensity": 2,
                                              "parts": {"emotional_response": "sadness"},
                                              "flags_extract_candidate": True})
    svg = client.get("/interviews/P1/1/affect").text
    assert "<svg" in svg and 'class="affect-mark"' in svg and "sadness" in svg
    assert 'class="extract-mark status-candidate"' in svg and "/extracts/E1" in svg


def test_affect_timeline_draws_measured_prosody_when_there_is_some(client):
    from reverie.store.models import Annotation

    study = client.app.state.study
    assert "No prosody measured yet" in client.get("/interviews/P1/1/affect").text
    version_id = transcripts.version_info(study, "P1", 1).id
    with study.write("test.prosody") as s:  # what `reverie prosody` stores, without measuring audio
        s.add_all(Annotation(version_id=version_id, kind="prosody", start_offset=0, end_offset=1, created_by="TR",
                             data={"line": n, "pause_before": n / 10, "speech_rate": 3 + n % 3,
                                   "pitch_median_hz": 180 + n, "intensity_mean_db": 60 - n})
                  for n in range(1, 12))
    svg = client.get("/interviews/P1/1/affect").text
    assert svg.count('<polyline class="measure"') == 4 and "No prosody measured yet" not in svg
