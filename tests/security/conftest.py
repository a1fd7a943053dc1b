"""Fixtures the security tests share with the suites they attack.

The team server tests (``test_team_*.py``) use the team suite's PostgreSQL study with an account
for every role, and its running ``reverie server`` (tests/team/conftest.py).
"""

from tests.team.conftest import clients, team, team_schema  # noqa: F401 - fixtures for test_team_*.py
