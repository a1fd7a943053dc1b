"""Every route of the workbench by module, name and path: enough to build its URLs without importing it.

The local workbench includes each route module lazily (:mod:`reverie.web.lazy_routes`): pages
link to every part of the workbench through ``url_for``, and this table answers those without
loading the modules; a module is imported when a request first reaches one of its paths.
tests/web/test_startup.py checks the table against the routes the modules really declare; when
it fails, it prints the table to paste here. A route missing from it still works (the app then
imports every module once), so a stale table costs speed, never a page.
"""

from __future__ import annotations

# module under reverie.web.routes: ((route name, path), ...), in the order the module declares them.
ROUTES: dict[str, tuple[tuple[str, str], ...]] = {
    "overview": (("overview", "/"),),
    "participants": (("participants", "/participants"), ("add_participant", "/participants"),
                     ("participant", "/participants/{code}"), ("update_participant", "/participants/{code}"),
                     ("record_consent", "/participants/{code}/consent"),
                     ("withdraw_participant", "/participants/{code}/withdrawal")),
    "interviews": (("interviews", "/interviews"), ("add_interview", "/interviews"),
                   ("interview", "/interviews/{code}/{round_no}/details"),
                   ("update_interview", "/interviews/{code}/{round_no}/details"),
                   ("add_narrative_pointer", "/interviews/{code}/{round_no}/pointers")),
    "schedule": (("schedule", "/schedule"), ("add_schedule", "/schedule")),
    "imports": (("imports", "/import"), ("upload_transcript", "/import/transcript"),
                ("upload_recording", "/import/recording"), ("transcribe", "/import/transcribe")),
    "jobs": (("jobs", "/jobs"), ("job_progress", "/jobs/{job_id}"), ("retry_job", "/jobs/{job_id}/retry"),
             ("cancel_job", "/jobs/{job_id}/cancel")),
    "transcripts": (("transcript", "/interviews/{code}/{round_no}/transcript"),
                    ("lines", "/interviews/{code}/{round_no}/lines"),
                    ("audio", "/interviews/{code}/{round_no}/audio"),
                    ("transcript_status", "/interviews/{code}/{round_no}/status")),
    "corrections": (("correct", "/interviews/{code}/{round_no}/correct"),
                    ("save_correction", "/interviews/{code}/{round_no}/correct")),
    "search": (("search", "/search"),),
    "codebook": (("codebook", "/codebook"), ("codebook_add", "/codebook/codes"),
                 ("code_edit", "/codebook/codes/{code_id}/edit"), ("code_update", "/codebook/codes/{code_id}"),
                 ("code_rename", "/codebook/codes/{code_id}/rename"),
                 ("code_merge", "/codebook/codes/{code_id}/merge"),
                 ("code_delete", "/codebook/codes/{code_id}/delete")),
    "retrieval": (("export_segments", "/codes/export"), ("attribute_values", "/codes/attribute-values"),
                  ("code_passages", "/codes/{code_id}"), ("coding_passage", "/codings/{coding_id}/passage")),
    "codings": (("apply_code", "/interviews/{code}/{round_no}/codings"),
                ("remove_coding", "/interviews/{code}/{round_no}/codings/{coding_id}/remove"),
                ("undo_coding", "/interviews/{code}/{round_no}/codings/undo"),
                ("add_nonverbal", "/interviews/{code}/{round_no}/nonverbal"),
                ("add_reported_speech", "/interviews/{code}/{round_no}/reported-speech")),
    "extracts": (("add_extract", "/interviews/{code}/{round_no}/extracts"), ("extracts", "/extracts"),
                 ("move_extract", "/extracts/{handle}/move"), ("extract", "/extracts/{handle}"),
                 ("extract_title", "/extracts/{handle}/title"), ("extract_display", "/extracts/{handle}/display"),
                 ("extract_theme", "/extracts/{handle}/theme"),
                 ("extract_evidence", "/extracts/{handle}/evidence"),
                 ("extract_status", "/extracts/{handle}/status")),
    "themes": (("themes", "/themes"), ("add_theme", "/themes"), ("rename_theme", "/themes/{theme_id}/rename"),
               ("describe_theme", "/themes/{theme_id}/describe"), ("shift_theme", "/themes/{theme_id}/shift"),
               ("place_in_theme", "/themes/place"), ("shift_in_theme", "/themes/extracts/{handle}/shift")),
    "memos": (("memo", "/extracts/{handle}/memo"), ("save_memo", "/extracts/{handle}/memo"),
              ("memo_draft", "/extracts/{handle}/memo/draft"), ("memo_diff", "/extracts/{handle}/memo/diff")),
    "reflexivity": (("add_note", "/interviews/{code}/{round_no}/log"), ("log", "/log")),
    "consultations": (("consultations", "/consultations"), ("add_consultation", "/consultations"),
                      ("add_ppi_group", "/ppi-groups"), ("consultation", "/consultations/{consultation_id}"),
                      ("show_extracts", "/consultations/{consultation_id}/materials"),
                      ("add_response", "/consultations/{consultation_id}/responses"),
                      ("set_disposition", "/consultations/{consultation_id}/responses/{response_id}/disposition"),
                      ("packet", "/consultations/{consultation_id}/packet.{fmt}")),
    "reports": (("report", "/report"), ("write_report", "/report"), ("add_inline_quote", "/report/quotes"),
                ("remove_inline_quote", "/report/quotes/{number}/remove")),
    "affect": (("affect", "/interviews/{code}/{round_no}/affect"),),
    "study_facts": (("study_facts", "/study"), ("save_study_facts", "/study"), ("add_ethics", "/study/ethics"),
                    ("save_researcher_profile", "/study/researcher")),
}
