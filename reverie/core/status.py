"""The extract status machine of METHOD.md §10.5: which moves are legal, so illegal ones are refused."""

from reverie.core.errors import Conflict

EXTRACT_TRANSITIONS: dict[str, frozenset[str]] = {
    "candidate": frozenset({"shortlisted", "set_aside"}),
    "shortlisted": frozenset({"analysed", "set_aside"}),
    "analysed": frozenset({"presented", "final", "set_aside"}),
    "presented": frozenset({"refined", "final", "set_aside"}),
    "refined": frozenset({"presented", "final", "set_aside"}),
    "final": frozenset(),
    "set_aside": frozenset({"candidate"}),
}


def check_extract_move(current: str, new: str) -> None:
    """Refuse a move the method does not allow, saying which moves are open from here."""
    allowed = EXTRACT_TRANSITIONS.get(current, frozenset())
    if new not in allowed:
        options = ", ".join(sorted(allowed)) or "none"
        raise Conflict(f"an extract cannot move from {current} to {new} (from {current}: {options})")
