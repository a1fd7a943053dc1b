"""Save PNGs of the workbench's main pages to docs/screenshots/, from the demo study.

Builds the demo (`reverie demo DIR --no-serve`), starts the real `reverie serve` on a free port,
and photographs each page with Debian's Chromium (the same browser the e2e tests drive).
Usage: scripts/screenshots [OUTPUT_DIR]
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REVERIE = ROOT / ".venv" / "bin" / "reverie"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# (file name, path, what to wait for before the picture)
PAGES = (
    ("overview", "/", "#jobs"),
    ("participants", "/participants", "main"),
    ("participant", "/participants/P1", "main"),
    ("interviews", "/interviews", "main"),
    ("schedule", "/schedule", "main"),
    ("import", "/import", "main"),
    ("codebook", "/codebook", "main"),
    ("code-passages", "/codes/1", "main"),
    ("coding-stripes", "/interviews/P1/1/transcript", "#L1"),
    ("transcript", "/interviews/P1/1/transcript#L40", "#L40"),
    ("affect-timeline", "/interviews/P1/1/affect", "svg.affect"),
    ("recorded-transcript", "/interviews/P1/2/transcript#L2", "#L2"),
    ("correction-editor", "/interviews/P1/1/correct", "#corrections"),
    ("search", "/search?q=milk", "ol.kwic"),
    ("extracts-board", "/extracts", "#board"),
    ("extract-provenance", "/extracts/E1", ".timeline"),
    ("memo", "/extracts/E1/memo", "#memo"),
    ("reflexive-log", "/log", "main"),
    ("consultations", "/consultations", "main"),
    ("consultation", "/consultations/1", "#responses-heading"),
    ("themes", "/themes", "main"),
    ("study-facts", "/study", "main"),
    ("report", "/report", "main"),
)


def main() -> int:
    from playwright.sync_api import sync_playwright

    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        study = Path(tmp) / "demo"
        subprocess.run([str(REVERIE), "demo", str(study), "--no-serve"], check=True)
        server = subprocess.Popen([str(REVERIE), "serve", str(study), "--no-browser"],
                                  stdout=subprocess.PIPE, text=True)
        try:
            url = server.stdout.readline().strip()
            base = url.split("/?")[0]
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1360, "height": 900})
                page.goto(url)
                for name, path, ready in PAGES:
                    # The reader remembers the coding stripes switch; only their own picture has them on.
                    stripes = "on" if name == "coding-stripes" else "off"
                    page.evaluate(f"localStorage.setItem('reverie.stripes', '{stripes}')")
                    page.goto(base + path)
                    page.wait_for_selector(ready)
                    if name == "coding-stripes":  # the first coded words, with their stripes beside them
                        page.locator(".hl").first.scroll_into_view_if_needed()
                    page.screenshot(path=out / f"{name}.png",
                                    full_page=name not in ("transcript", "recorded-transcript", "coding-stripes"))
                    print(out / f"{name}.png")
                new_study_page(browser, Path(tmp) / "empty", out)
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    return 0


def new_study_page(browser, folder: Path, out: Path) -> None:
    """The page `reverie serve` opens on a folder that holds no study yet."""
    folder.mkdir()
    server = subprocess.Popen([str(REVERIE), "serve", str(folder), "--no-browser"], stdout=subprocess.PIPE, text=True)
    try:
        page = browser.new_page(viewport={"width": 1360, "height": 900})
        page.goto(server.stdout.readline().strip())
        page.wait_for_selector("main form")
        page.screenshot(path=out / "new-study.png", full_page=True)
        print(out / "new-study.png")
        page.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
