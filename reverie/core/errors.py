"""Domain errors: every front turns these into a one-line message (CLI) or a readable page (web).

Why one small hierarchy: the fronts stay thin only if they can catch one base class and show
its message as it is, without knowing which layer raised it.
"""


class ReverieError(Exception):
    """Something the researcher can act on; the message is shown to them as written."""


class InvalidInput(ReverieError):
    """The input (a file, a value, a range) is wrong; the message names the file and the problem."""


class NotFound(ReverieError):
    """A study, participant, interview, transcript or other record does not exist."""


class Conflict(ReverieError):
    """The request clashes with what is stored (a duplicate code, a locked version, an illegal move)."""


class PermissionDenied(ReverieError):
    """The current user may not do this."""
