"""The schedule linter gives FANI-minded advice on interview questions (METHOD.md §3.2)."""

import pytest

from reverie.core.schedule_lint import lint_question, lint_schedule


def rules(question, **options):
    return [finding.rule for finding in lint_question(question, **options)]


def test_the_reference_opening_question_passes():
    assert rules("Can you tell me about a time when working with a peer support worker felt "
                 "particularly valuable?") == []


@pytest.mark.parametrize(("question", "rule"), [
    ("Why did you…?", "why_question"),
    ("And then why was that hard?", "why_question"),
    ("Do you think…?", "closed_opening"),
    ("Did the peer worker help?", "closed_opening"),
    ("Was it useful? How?", "double_barrelled"),
    ("What happened and how did you feel?", "double_barrelled"),
    ("Don't you think peer workers are valuable?", "leading"),
    ("Peer support is a good thing, isn't it?", "leading"),
    ("Surely that made a difference?", "leading"),
    ("What do you think about peer support in general?", "generalising"),
    ("How do you usually work with peer workers?", "generalising"),
])
def test_habits_that_close_talk_down_are_flagged(question, rule):
    assert rule in rules(question)


@pytest.mark.parametrize("question", [
    "Could you describe what happened next?",
    "Would you tell me about the first time you met a peer worker?",
    "Can you think of a time when that felt different?",
    "What happened when the peer worker joined the team?",
    "Can you tell me about a time when you usually felt supported?",
])
def test_open_story_invitations_pass(question):
    assert rules(question) == []


def test_generalising_finding_suggests_a_story_invitation():
    [finding] = lint_question("What do you think about recovery?")
    assert "Can you tell me about a time when…" in finding.reason
    assert finding.reason.startswith("This invites")


def test_study_jargon_is_flagged():
    assert rules("What happened in the MDT?", jargon=["MDT", "formulation"]) == ["jargon"]


def test_a_schedule_is_linted_item_by_item():
    findings = lint_schedule(["Why?", "Can you tell me about a time when…?"], jargon=["CPA"])
    assert [[f.rule for f in item] for item in findings] == [["why_question"], []]
