"""Every top-level command: the module that defines it and the first paragraph of its help.

``reverie --help`` lists commands from this table, and a command's module is imported only when
that command runs, so start-up does not pay for the other thirty. tests/cli/test_startup.py checks
the table against the commands the modules really register (names, order, modules and help);
when it fails, it prints the table to paste here.
"""

from __future__ import annotations

# name: (module under reverie.cli, first paragraph of the help), in the order --help lists them.
COMMANDS: dict[str, tuple[str, str]] = {
    "worker": ("ops", "Run job workers for a team server: they take transcription chunks from Redis until "
                      "stopped."),
    "backup": ("ops", "Write one consistent archive of a study: database, study.toml and media."),
    "restore": ("ops", "Restore a study from an archive into a new folder, checking every file and the audit "
                       "chain."),
    "retention": ("ops", "List recordings due for deletion under the study's retention settings, and delete them "
                         "with --apply."),
    "plugins": ("plugins", "List the transcript importers, report formats, diarisers and job kinds on offer, and "
                           "who offers each."),
    "report": ("reports", "Write the findings report: Table 1, methods, themes with cited extracts, warnings."),
    "packet": ("reports", "Write the review packet for one participant or one PPI group: their materials only."),
    "checklist": ("reports", "Show a reporting checklist filled from the records; items without data say "
                             "MISSING."),
    "serve": ("serve", "Open the web workbench for a study, or start a new study there (local only: 127.0.0.1, "
                       "one-time links)."),
    "models": ("speech", "List the speech models on this machine, the default first, and where each lives."),
    "transcribe": ("speech", "Transcribe an interview's recording on this machine; blocks until the draft is "
                             "stored."),
    "prosody": ("speech", "Per-line measures: pauses before and after, speech rate, pitch median and range, "
                          "intensity, emphasis."),
    "init": ("study", "Create a study folder: study.db (SQLite, WAL), media/ and backups/."),
    "demo": ("study", "Build a demo study shaped like the reference study (5 participants x 2 rounds, PPI, "
                      "themes) and open it."),
    "server": ("team", "Serve a PostgreSQL study to a team: accounts, roles, CSRF protection, every read "
                       "audited."),
    "cite": ("transcripts", "Print the citation of a line range, e.g. (P1. Lines 978-81)."),
    "search": ("transcripts", "Search all transcripts; hits print as keyword-in-context lines with their "
                              "citation."),
    "participants": ("study", "Participants and Table 1."),
    "interviews": ("study", "Interviews, rounds and recordings."),
    "audit": ("study", "The audit log, chained with the study's key."),
    "schedule": ("study", "Interview schedules and their FANI check."),
    "identity": ("study", "Who is working on this study."),
    "transcript": ("transcripts", "Import, lock, read and export transcripts."),
    "codes": ("analysis", "Codes: discursive objects, discourses, positions, storylines; apply, merge, count."),
    "log": ("analysis", "The reflexive log: observation, interpretation, emotional response."),
    "extracts": ("analysis", "Extracts: cited line ranges chosen for close analysis, and their status."),
    "memo": ("analysis", "Analysis memos on extracts (Willig, positioning, psychosocial), versioned."),
    "consult": ("analysis", "Member reflections and PPI consultations: what was shown, what people said."),
    "refi": ("exchange", "Exchange with other QDA tools through REFI-QDA (tested with NVivo and ATLAS.ti files)."),
    "jobs": ("jobs", "Long-running work (transcription, exports): its progress, retrying and cancelling it."),
    "deid": ("privacy", "De-identification suggestions and pseudonyms."),
    "users": ("team", "Team accounts: who may sign in to the team server, in which role."),
    "themes": ("themes", "Themes in report order, and the extracts each holds."),
}
