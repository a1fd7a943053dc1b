"""Reviewers see and answer only their own packet; every guessed or foreign id is simply not there."""

from __future__ import annotations

from sqlalchemy import select

from reverie.services.study.studies import open_study
from reverie.store.models import AuditEvent, Response


def _responses(team, consultation_id: int) -> list[Response]:
    study = open_study(team.root)
    try:
        with study.read() as s:
            return list(s.execute(select(Response).where(Response.consultation_id == consultation_id)).scalars())
    finally:
        study.close()


def test_a_participant_reviewer_reads_only_their_own_packet(team, clients):
    ids, client = team.ids, clients["rev-p1"]
    home = client.get("/review")
    assert f"/review/{ids['c_p1']}" in home.text
    assert all(f"/review/{ids[k]}\"" not in home.text for k in ("c_p2", "c_ppi_a", "c_ppi_b"))
    packet = client.get(f"/review/{ids['c_p1']}")
    assert packet.status_code == 200
    assert "Your interview: draft analysis for P1" in packet.text and "Passage 1 of your interview" in packet.text
    assert "P2" not in packet.text


def test_guessed_ids_are_not_found_and_look_like_any_missing_page(team, clients):
    ids, client = team.ids, clients["rev-p1"]
    missing = client.get("/review/99999")
    assert missing.status_code == 404
    for guess in (ids["c_p2"], ids["c_ppi_a"], ids["c_foreign"], "abc", "-1", "1.0"):
        response = client.get(f"/review/{guess}")
        assert response.status_code == 404, guess
        assert response.text == missing.text
    for url in ("/consultations", f"/consultations/{ids['c_p1']}", f"/consultations/{ids['c_p1']}/packet.html",
                "/interviews/P1/1/transcript", "/extracts/E1", "/search?q=milk", "/no-such-page"):
        response = client.get(url)
        assert response.status_code == 404 and response.text == missing.text, url


def test_a_ppi_member_reads_only_their_groups_packet(team, clients):
    ids, client = team.ids, clients["ppi-a"]
    assert client.get(f"/review/{ids['c_ppi_a']}").status_code == 200
    for guess in (ids["c_ppi_b"], ids["c_p1"], ids["c_p2"], ids["c_foreign"]):
        assert client.get(f"/review/{guess}").status_code == 404, guess
    assert clients["ppi-b"].get(f"/review/{ids['c_ppi_a']}").status_code == 404


def test_a_participant_reviewer_answers_their_packet_as_their_participant(team, clients):
    ids, client = team.ids, clients["rev-p1"]
    response = client.post(f"/review/{ids['c_p1']}/responses",
                           data={"csrf_token": client.csrf, "summary": "Yes, the milk mattered to me.",
                                 "types": ["affirm", "extend"], "passage": "1", "resonance": "3"})
    assert response.status_code == 303 and response.headers["location"].endswith(f"/review/{ids['c_p1']}")
    [answer] = _responses(team, ids["c_p1"])
    assert answer.respondent == "P1" and answer.created_by == "rev-p1"
    assert answer.target_kind == "extract" and answer.extract_id == ids["P1"]
    assert answer.types == ["affirm", "extend"] and answer.resonance == 3
    assert "Yes, the milk mattered to me." in client.get(f"/review/{ids['c_p1']}").text
    assert "Yes, the milk mattered to me." in clients["lead"].get(f"/consultations/{ids['c_p1']}").text
    study = open_study(team.root)
    try:
        with study.read() as s:
            event = s.execute(select(AuditEvent).where(AuditEvent.action == "response.add")
                              .order_by(AuditEvent.seq.desc())).scalars().first()
        assert event.actor == "rev-p1"
    finally:
        study.close()


def test_a_reviewer_cannot_answer_someone_elses_packet_or_without_the_token(team, clients):
    ids, client = team.ids, clients["rev-p1"]
    before = {key: len(_responses(team, ids[key])) for key in ("c_p2", "c_ppi_a", "c_p1")}
    form = {"summary": "planted", "types": "challenge"}
    for key in ("c_p2", "c_ppi_a"):
        assert client.post(f"/review/{ids[key]}/responses", data={**form, "csrf_token": client.csrf}).status_code == 404
    assert client.post(f"/review/{ids['c_foreign']}/responses",
                       data={**form, "csrf_token": client.csrf}).status_code == 404
    assert client.post(f"/review/{ids['c_p1']}/responses", data=form).status_code == 403
    assert client.post(f"/review/{ids['c_p1']}/responses",
                       data={**form, "csrf_token": client.csrf, "passage": "2"}).status_code == 422
    assert {key: len(_responses(team, ids[key])) for key in before} == before
