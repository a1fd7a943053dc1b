"""The reader shows codes and annotations on its lines; selections become non-verbal notes and reported speech."""

from __future__ import annotations

from sqlalchemy import select

from reverie.services.analysis import coding
from reverie.services.transcripts import annotations
from reverie.services.transcripts import versions as transcripts
from reverie.store.models import TranscriptLine


def selection(study, words: str, code: str = "P1") -> dict:
    """What the reader sends for ``words`` selected on the first line holding them."""
    line = next(line for line in transcripts.show_lines(study, code, 1) if words in line.text)
    start = len(line.text[:line.text.index(words)].encode("utf-16-le")) // 2
    end = start + len(words.encode("utf-16-le")) // 2
    return {"start_line": line.number, "start_offset": start, "end_line": line.number, "end_offset": end,
            "exact": words}


def window(client, **params) -> str:
    return client.get("/interviews/P1/1/lines", params={"count": 50, **params}).text


def test_a_nonverbal_annotation_on_a_selection_is_stored_and_shown_as_a_margin_mark(client):
    study = client.app.state.study
    chosen = selection(study, "such a silly thing")
    made = client.post("/interviews/P1/1/nonverbal", json={**chosen, "kind": "tone", "description": "voice drops",
                                                           "source": "recording", "timecode": [65, 71.5]})
    assert made.status_code == 200, made.text
    assert made.json()["message"].startswith("noted tone on P1 lines")
    [note] = annotations.list_annotations(study, "P1", kinds=("nonverbal",))
    assert note.exact == "such a silly thing" and note.data["timecode"] == [65.0, 71.5]
    html = window(client, first=1)
    assert 'class="note-mark nonverbal"' in html and 'aria-label="Non-verbal annotation: tone"' in html
    assert 'role="tooltip"' in html and "tone: voice drops, from the recording, at 00:01:05–00:01:11" in html
    assert f'aria-describedby="tip-{note.id}-{note.start_line}"' in html


def test_reported_speech_on_a_selection_names_its_voiced_figure(client):
    study = client.app.state.study
    made = client.post("/interviews/P1/1/reported-speech",
                       json={**selection(study, "whether he had milk at home"), "voiced_figure": "the peer"})
    assert made.status_code == 200 and "voiced by the peer" in made.json()["message"]
    html = window(client, first=1)
    assert 'class="note-mark reported_speech"' in html and "“the peer”" in html
    assert "reported speech, voiced by the peer" in html


def test_annotating_refuses_bad_input_and_drafts_with_a_readable_message(client):
    study = client.app.state.study
    headers = {"Accept": "application/json"}
    unknown = client.post("/interviews/P1/1/nonverbal", headers=headers,
                          json={**selection(study, "honestly"), "kind": "mood", "description": "x"})
    assert unknown.status_code == 422 and "non-verbal kind 'mood'" in unknown.json()["error"]
    nobody = client.post("/interviews/P1/1/reported-speech", headers=headers,
                         json={**selection(study, "honestly"), "voiced_figure": " "})
    assert nobody.status_code == 422 and "voiced figure" in nobody.json()["error"]
    draft = client.post("/interviews/P2/1/nonverbal", headers=headers,
                        json={**selection(study, "community team", "P2"), "kind": "tone", "description": "proud"})
    assert draft.status_code == 409 and "not locked" in draft.json()["error"]


def test_codes_show_as_colour_bars_on_every_line_they_cover_and_a_label_where_they_begin(client):
    study = client.app.state.study
    coding.add_code(study, "milk as emblem", kind="discursive_object", color="#aa3300")
    coding.add_code(study, "busyness", kind="discourse")
    coding.apply_code(study, "milk as emblem", "P1", lines=(6, 8))
    coding.apply_code(study, "busyness", "P1", lines=(7, 7))
    html = window(client, first=1)
    lines = {n: html[html.index(f'id="L{n}"'):html.index("</div>", html.index(f'id="L{n}"'))] for n in (5, 6, 7, 8)}
    assert "Coded:" not in lines[5] and 'class="on"' not in lines[5]
    assert 'aria-label="Coded: milk as emblem"' in lines[6] and "--code: #aa3300" in lines[6]
    assert lines[6].count('class="code-tag"') == 1 and ">milk as emblem</span>" in lines[6]
    assert 'aria-label="Coded: milk as emblem, busyness"' in lines[7] and ">busyness</span>" in lines[7]
    assert "code-tag" not in lines[8] and lines[8].count('class="on"') == 1
    # A window starting inside a coding labels it again on its first line.
    assert ">milk as emblem</span>" in window(client, first=8, count=2)


def test_a_window_can_be_asked_for_by_a_time_in_the_recording(client):
    study = client.app.state.study
    version_id = transcripts.version_info(study, "P1", 1).id
    with study.write("test.times") as s:  # what transcription stores, without recognising speech
        for line in s.execute(select(TranscriptLine).where(TranscriptLine.version_id == version_id)).scalars():
            line.time_start, line.time_end = line.number * 2.0, line.number * 2.0 + 1.5
    html = window(client, at=14.2, count=3)
    assert [n for n in range(1, 12) if f'id="L{n}"' in html] == [6, 7, 8]
    assert 'data-t="14.0" data-te="15.5"' in html
    asked_twice = client.get("/interviews/P1/1/lines", params={"first": 1, "at": 3},
                             headers={"Accept": "application/json"})
    assert asked_twice.status_code == 422


def test_the_affect_timeline_draws_discursive_objects_and_nonverbal_notes(client):
    study = client.app.state.study
    coding.add_code(study, "milk as emblem", kind="discursive_object")
    coding.add_code(study, "busyness", kind="discourse")
    coding.apply_code(study, "milk as emblem", "P1", lines=(6, 8))
    coding.apply_code(study, "busyness", "P1", lines=(10, 10))
    annotations.add_nonverbal(study, "P1", lines=(9, 9), kind="silence", description="a long pause", source="recording")
    svg = client.get("/interviews/P1/1/affect").text
    assert 'class="object-mark"' in svg and "Discursive object milk as emblem, lines 6-8" in svg
    assert "busyness" not in svg  # a discourse is not a discursive object
    assert 'class="nonverbal-mark"' in svg and "silence: a long pause" in svg
    assert "1 non-verbal annotations, 1 codings of 1 discursive objects" in svg
