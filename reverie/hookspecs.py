"""The hooks a Reverie plugin may implement: few and small, as datasette's are.

A plugin is a module (or any object) with functions marked ``@hookimpl`` and named after these
specifications. An installed package declares it under the ``reverie`` entry-point group::

    [project.entry-points.reverie]
    markdown = "reverie_markdown"

Reverie's own importers, report formats, diariser and job functions are plugins too, registered
the same way (see :mod:`reverie.plugins`). Every hook returns what the plugin adds; when two
plugins offer the same name, the one registered last is asked first, and built-ins are asked last,
so a plugin can replace a built-in.

This module imports only pluggy, so any layer of Reverie may use its markers.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("reverie")
hookimpl = pluggy.HookimplMarker("reverie")


@hookspec
def register_transcript_importers():
    """Transcript importers to offer: a list of objects with ``name``, ``suffixes`` (such as
    ``(".md",)``), ``recognises(head: bytes) -> bool`` and ``read(path, options) -> ParsedTranscript``
    (see :class:`reverie.formats.transcripts.TranscriptImporter`)."""


@hookspec
def register_report_formats():
    """Report formats to offer: a list of objects with ``name`` (also the file suffix, such as
    ``"md"``), ``render(data: ReportData) -> bytes`` and ``text(payload: bytes) -> str``, all the
    text a reader of the file would see, which is checked for pseudonym-key terms
    (see :class:`reverie.formats.report_writers.ReportFormat`)."""


@hookspec
def register_diarisers():
    """Diarisers to offer: a dict of name to a callable that makes one without arguments; it has
    ``diarise(samples, regions, speakers) -> list[SpeakerSegment]``
    (see :class:`reverie.speech.diarise.Diariser`)."""


@hookspec
def register_job_functions():
    """Kinds of job to offer: a dict of kind to a job function class (made without arguments)
    with ``plan``, ``run_chunk``, ``assemble`` and ``finish``
    (see :class:`reverie.services.system.jobs.JobFunction`)."""
