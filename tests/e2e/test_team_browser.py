"""The team workbench in Debian's Chromium: sign in, code a line, sign out (CSRF token via http.js)."""

from __future__ import annotations

from tests.e2e.conftest import script_errors
from tests.team.conftest import PASSWORD


def test_an_analyst_signs_in_and_codes_with_the_csrf_token(browser, team):
    from playwright.sync_api import expect

    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors = script_errors(page)
    page.goto(team.url + "/login")
    page.get_by_label("Username").fill("ana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page.locator("meta[name=csrf-token]")).to_have_count(1)
    page.goto(team.url + "/interviews/P1/1/transcript")
    page.locator("#L2").click()
    page.keyboard.press("c")
    dialog = page.locator("#dlg-code")
    dialog.get_by_label("Code label (new or existing)").fill("held in mind")
    dialog.get_by_role("button", name="Apply code").click()
    expect(page.locator("#messages")).to_contain_text("coded P1 lines 2-2")
    page.goto(team.url + "/review")
    expect(page.locator("body")).to_contain_text("your role in this study does not allow this")
    page.goto(team.url + "/")
    page.get_by_role("button", name="Sign out").click()  # a plain form post: http.js adds the token field
    expect(page.get_by_label("Username")).to_be_visible()
    context.close()
    assert not errors, "the page's scripts failed:\n" + "\n".join(errors)
