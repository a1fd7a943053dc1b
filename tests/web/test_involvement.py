"""Consultations from the browser (packet, responses, dispositions) and the report download."""

from __future__ import annotations

from reverie.services.analysis import extracts, memos
from reverie.services.involvement import consultations


def make_extract_with_memo(study) -> None:
    extracts.add_extract(study, "P1", 10, 11, why="the contrast")
    memos.save_memo(study, "E1", willig={"action_orientation": "contrasts care with treatment"})


def test_a_ppi_session_shows_extracts_records_responses_and_their_disposition(client):
    study = client.app.state.study
    make_extract_with_memo(study)
    client.post("/ppi-groups", data={"label": "PPI-A", "composition": "service users"})
    made = client.post("/consultations", data={"kind": "ppi_analysis", "group": "PPI-A", "held_on": "2019-09-01"},
                       follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"].endswith("/consultations/1")
    client.post("/consultations/1/materials", data={"extracts": ["E1"], "with_memo": "true"})
    client.post("/consultations/1/responses", data={"summary": "milk means being held in mind",
                                                    "types": ["extend"], "target": "extract", "extract": "E1",
                                                    "resonance": "3"})
    [response] = consultations.get_consultation(study, 1).responses
    refused = client.post(f"/consultations/1/responses/{response.id}/disposition",
                          data={"disposition": "declined"}, headers={"HX-Request": "true"})
    assert refused.status_code == 422 and "needs a rationale" in refused.text
    client.post(f"/consultations/1/responses/{response.id}/disposition", data={"disposition": "incorporated"})
    page = client.get("/consultations/1").text
    assert "milk means being held in mind" in page and "with memo version 1" in page
    assert consultations.get_consultation(study, 1).responses[0].disposition == "incorporated"
    packet = client.get("/consultations/1/packet.html")
    assert packet.status_code == 200 and "psychology or tablets" in packet.text
    assert client.get("/consultations/1/packet.pdf").status_code == 422
    assert "held in mind" in client.get("/extracts/E1").text  # the response is in the provenance


def test_the_report_downloads_into_the_study_exports_folder(client, study_dir):
    answer = client.post("/report", data={"fmt": "md"})
    assert answer.status_code == 200
    assert "attachment" in answer.headers["content-disposition"] and "Table 1" in answer.text
    assert (study_dir / "exports" / "report.md").is_file()
    assert "version 1" in client.get("/report").text
