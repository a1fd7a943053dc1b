"""The built-in job kinds as a plugin, apart from the job machinery.

Why a module of its own: ``@hookimpl`` needs pluggy, and every page that lists jobs imports
:mod:`reverie.services.system.jobs`; kept here, pluggy and the plugin manager load only when a
job's kind is looked up or a job function is offered, not on every start of the workbench.
"""

from __future__ import annotations

from reverie.hookspecs import hookimpl


@hookimpl(trylast=True)
def register_job_functions():
    # Imported here, on first use, so that a process retrying or running a job it did not start
    # (a worker, a later CLI call) knows the kind without importing every service up front.
    from reverie.services.system.jobs import CountJob
    from reverie.services.transcripts.transcription import TranscribeJob

    return {"count": CountJob, "transcribe": TranscribeJob}


class OneKind:
    """A plugin offering one job kind, made by :func:`~reverie.services.system.jobs.job_function` in this process."""

    def __init__(self, kind: str, cls: type):
        self.kind, self.cls = kind, cls

    @hookimpl
    def register_job_functions(self):
        return {self.kind: self.cls}
