"""Team mode: the workbench served to a research team from one PostgreSQL study.

:func:`reverie.web.team.app.create_team_app` builds it; :mod:`.policy` says which role reaches
which part; :mod:`.guard` enforces sessions, CSRF, the policy and read auditing; :mod:`.portal`
is all a participant reviewer or PPI member ever sees.
"""
