"""The findings report: previewed in the page, written into the study's exports folder (not in an encrypted
study) and downloaded as Word, Markdown or HTML.

The page also keeps the report's short quotations in running text ("psychology or tablets" (P4. Line
527)): a few words the paper quotes in its own sentences, cited by line but not displayed as
extracts. They are a study setting (every draft quotes the same words), so the form here replaces
the stored list with one quotation more or one fewer, and the checks before publication say when
the words are not on the lines cited.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Form, Request
from markupsafe import Markup
from starlette.responses import Response

from reverie.core.citation import cite_inline
from reverie.core.errors import Conflict, InvalidInput, ReverieError
from reverie.services.output.reports import (
    inline_quotes,
    report_preview,
    reports,
    set_inline_quotes,
    write_report,
)
from reverie.services.study.participants import list_participants
from reverie.services.study.studies import citation_style
from reverie.web.deps import CurrentStudy, download, export_path, redirect, render
from reverie.web.forms import FormSpec, failed

router = APIRouter(tags=["reports"])

QUOTE = FormSpec("inline-quote", ("participant", "line", "last_line", "quote", "why"),
                 (("participant", "participant"), ("last line", "last_line"), ("first line", "line"),
                  ("quoted words", "quote")))


def _context(study) -> dict[str, Any]:
    data, body = report_preview(study)
    style = citation_style(study)
    quotes = [{**quote, "citation": cite_inline(quote["participant"], quote["line"],
                                                quote.get("last_line", quote["line"]), style)}
              for quote in inline_quotes(study)]
    # The writer escapes every piece of transcript text; the preview is the .html file's own body.
    return {"reports": reports(study), "preview": Markup(body), "data": data, "quotes": quotes,
            "participants": [("", "choose…"), *((p.code, p.code) for p in list_participants(study))]}


@router.get("/report", name="report")
def report_page(request: Request, study: CurrentStudy):
    return render(request, "report.html", **_context(study))


@router.post("/report", name="write_report")
def report_download(study: CurrentStudy, fmt: Literal["docx", "md", "html"] = Form(...),
                    checklists: bool = Form(False)):
    result = write_report(study, export_path(study, f"report.{fmt}"), fmt, checklists=checklists)
    return download(result.content, f"report-v{result.version}.{fmt}")


def _line_number(text: str, what: str) -> int:
    try:
        number = int(text.strip())
    except ValueError:
        raise InvalidInput(f"the {what}: a whole number, such as 527") from None
    if number < 1:
        raise InvalidInput(f"the {what}: line numbers start at 1")
    return number


@router.post("/report/quotes", name="add_inline_quote")
async def add_inline_quote(request: Request, study: CurrentStudy) -> Response:
    posted = {key: value for key, value in (await request.form()).items() if isinstance(value, str)}
    try:
        code, words = posted.get("participant", "").strip(), posted.get("quote", "").strip()
        if not code:
            raise InvalidInput("choose the participant quoted")
        first = _line_number(posted.get("line", ""), "first line")
        last = _line_number(posted["last_line"], "last line") if posted.get("last_line", "").strip() else first
        if last < first:
            raise InvalidInput(f"the last line ({last}) comes before the first line ({first})")
        if not words:
            raise InvalidInput("type the quoted words, as the paper's sentence quotes them")
        quote = {"participant": code, "line": first, "last_line": last, "quote": words}
        set_inline_quotes(study, [*inline_quotes(study), quote], why=posted.get("why", "").strip())
    except ReverieError as exc:
        return failed(request, QUOTE, exc, values=posted, page="report.html",
                      page_context=lambda: _context(study), render=render)
    return redirect(request, request.url_for("report"))


@router.post("/report/quotes/{number}/remove", name="remove_inline_quote")
def remove_inline_quote(request: Request, study: CurrentStudy, number: int, quote: str = Form(...)) -> Response:
    """Remove the quotation shown as ``number``; its words come with the post, so a list changed since the
    page was drawn is refused rather than losing another quotation."""
    stored = inline_quotes(study)
    if not 1 <= number <= len(stored) or stored[number - 1]["quote"] != quote:
        raise Conflict("the short quotations changed since this page was drawn; reload it and try again")
    set_inline_quotes(study, stored[:number - 1] + stored[number:], why=f"removed the quotation '{quote}'")
    return redirect(request, request.url_for("report"))
