"""The findings report: previewed in the page, written into the study's exports folder (not in an encrypted
study) and downloaded as Word, Markdown or HTML."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Form, Request
from markupsafe import Markup

from reverie.services.output.reports import report_preview, reports, write_report
from reverie.web.deps import CurrentStudy, download, export_path, render

router = APIRouter(tags=["reports"])


@router.get("/report", name="report")
def report_page(request: Request, study: CurrentStudy):
    data, body = report_preview(study)
    # The writer escapes every piece of transcript text; the preview is the .html file's own body.
    preview = Markup(body)
    return render(request, "report.html", reports=reports(study), preview=preview, data=data)


@router.post("/report", name="write_report")
def report_download(study: CurrentStudy, fmt: Literal["docx", "md", "html"] = Form(...),
                    checklists: bool = Form(False)):
    result = write_report(study, export_path(study, f"report.{fmt}"), fmt, checklists=checklists)
    return download(result.content, f"report-v{result.version}.{fmt}")
