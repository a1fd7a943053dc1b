"""The method's controlled vocabularies (METHOD.md §10), shared by the store's CHECK constraints,
the services' validation and the fronts' choice lists, so the three never drift apart."""

PARTICIPANT_STATUSES = ("invited", "declined", "consented", "withdrawn", "completed")
INTERVIEW_PURPOSES = ("narrative", "fani_followup", "member_reflection")
RECORDING_KINDS = ("audio", "video")
TRANSCRIPT_STATUSES = ("draft", "verified", "locked")
VERSION_ORIGINS = ("import", "speech", "correction", "deid", "refi")
RESEARCHER_ROLES = ("interviewer", "transcriber", "analyst", "supervisor")
BERGER_POSITIONS = ("shared_experience", "outsider_to_insider", "no_familiarity", "mixed")
ETHICS_BODIES = ("REC", "HRA", "R&D", "other")
SCHEDULE_ITEM_KINDS = ("opening", "narrative", "prompt", "closing")
ITEM_COVERAGE = ("asked", "covered_spontaneously", "not_needed", "omitted")

CODE_KINDS = ("discursive_object", "discourse", "subject_position", "storyline", "theme_seed", "free")
CODE_STATUSES = ("active", "merged", "retired")

ANNOTATION_KINDS = (
    "emphasis", "reported_speech", "nonverbal", "redaction", "pause", "prosody", "inaudible",
)
NONVERBAL_KINDS = (
    "tone", "posture", "gesture", "facial", "pace", "volume", "silence", "laughter", "tearfulness", "other",
)

LOG_STAGES = ("design", "recruitment", "interview", "transcription", "analysis", "consultation", "writing")
LOG_TEMPLATES = {
    "three_part": (
        ("observation", "What happened? What was said, seen, heard, including tone, posture, silences."),
        ("interpretation", "Initial interpretation: what might this mean? "
                           "Which objects, positions or defences does it suggest?"),
        ("emotional_response", "What did I feel, and when? Any pull to identify, rescue, avoid, agree?"),
    ),
    "lincoln_guba": (
        ("schedule_logistics", "What did I do today, and how was the study arranged?"),
        ("personal_reflection", "What am I thinking and feeling about what is happening?"),
        ("methodological_decision", "What did I decide about method, and why?"),
    ),
    "free": (("text", "Write freely."),),
}

EXTRACT_STATUSES = ("candidate", "shortlisted", "analysed", "presented", "refined", "final", "set_aside")
SELECTION_SOURCES = ("researcher_affect", "discursive_object", "participant_response", "ppi_response", "theory")

THEME_KINDS = ("major", "minor")
THEME_ORIGINS = ("from_data", "a_priori")

CONSULTATION_KINDS = ("member_reflection", "ppi_design", "ppi_analysis", "supervision", "peer_debrief")
RESPONSE_TYPES = (
    "affirm", "challenge", "clarify", "extend", "correct", "new_information", "alternative_reading",
    "concern_identifiability", "concern_wording", "other",
)
DISPOSITIONS = ("pending", "incorporated", "partly_incorporated", "noted_not_incorporated", "declined", "out_of_scope")
RESPONSE_TARGETS = ("extract", "memo", "construction", "theme", "schedule_item", "whole_analysis")

DECISION_TYPES = (
    "select_extract", "shortlist_extract", "set_aside_extract", "finalise_extract", "move_extract",
    "revise_interpretation", "create_code", "merge_code", "rename_code", "create_theme", "merge_theme",
    "rename_theme", "revise_schedule", "change_transcript", "other",
)

JOB_STATES = ("queued", "running", "done", "failed", "cancelled")
TEAM_ROLES = ("lead", "analyst", "transcriber", "auditor", "participant_reviewer", "ppi_member")
