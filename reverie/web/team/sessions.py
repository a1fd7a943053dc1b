"""The team server's own state, kept in its memory on purpose: sessions and the login throttle.

- **sessions** (:class:`Sessions`): a random id in an HttpOnly cookie, mapped here to the user,
  the role and password stamp the session began with, and the session's CSRF token. A restart
  signs everyone out, which is the safe failure; the account is re-read on every request and a
  session whose account is disabled, or whose role or password changed, ends there and then.
- **login throttling** (:class:`LoginThrottle`): every attempt is admitted (or refused) and
  counted in one step under a lock, so concurrent guesses cannot all pass a check made before
  any of them was counted. Two budgets refuse: :data:`MAX_FAILURES` per username and address,
  and :data:`MAX_ADDRESS_FAILURES` per address, each for :data:`WINDOW_SECONDS`. The failures
  against an account from everywhere only *delay* its next attempts (doubling, at most
  :data:`MAX_DELAY_SECONDS`), so an attacker elsewhere can slow the real user down but never
  lock them out: the right password from an address within its budget is always accepted.
  Counting in memory needs no schema change and nobody outside the server process can reset it.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

from reverie.services.system.members import LockedOut, Member

MAX_FAILURES = 5            # per username and address
MAX_ADDRESS_FAILURES = 20   # per address, whatever the usernames (an office behind one NAT shares it)
WINDOW_SECONDS = 15 * 60
FREE_FAILURES = 3           # an account's first few failures (typos) cost no delay
MAX_DELAY_SECONDS = 30
SESSION_IDLE_SECONDS = 60 * 60
SESSION_MAX_SECONDS = 12 * 60 * 60
MAX_TRACKED = 10_000  # records kept before stale ones are swept, so guessing names cannot fill memory


@dataclass
class _Count:
    used: int = 0      # attempts admitted (failed or still being checked)
    failed: int = 0    # attempts that turned out wrong
    since: float = 0.0


class LoginThrottle:
    """Sign-in budgets per (username, address) and per address, and a delay per username."""

    def __init__(self, max_failures: int = MAX_FAILURES, max_address_failures: int = MAX_ADDRESS_FAILURES,
                 window_seconds: float = WINDOW_SECONDS, clock=time.monotonic):
        self.max_failures, self.max_address_failures = max_failures, max_address_failures
        self.window_seconds, self.clock = window_seconds, clock
        self._pairs: dict[tuple[str, str], _Count] = {}
        self._addresses: dict[str, _Count] = {}
        self._accounts: dict[str, _Count] = {}
        self._lock = threading.Lock()

    def _count(self, table: dict, key, now: float) -> _Count:
        if len(table) >= MAX_TRACKED:
            for stale in [k for k, c in table.items() if now - c.since > self.window_seconds]:
                del table[stale]
        count = table.get(key)
        if count is None or now - count.since > self.window_seconds:
            count = table[key] = _Count(since=now)
        return count

    def admit(self, username: str, address: str) -> None:
        """Spend one attempt from both budgets, or raise :class:`LockedOut` when either is spent."""
        now = self.clock()
        with self._lock:
            pair = self._count(self._pairs, (username, address), now)
            place = self._count(self._addresses, address, now)
            if pair.used >= self.max_failures:
                raise LockedOut("too many failed sign-ins for this username from this address; try again in "
                                f"{self._minutes(pair, now)} minutes")
            if place.used >= self.max_address_failures:
                raise LockedOut(f"too many failed sign-ins from this address; try again in "
                                f"{self._minutes(place, now)} minutes")
            pair.used += 1
            place.used += 1

    def _minutes(self, count: _Count, now: float) -> int:
        return int(max(0.0, count.since + self.window_seconds - now) // 60) + 1

    def failed(self, username: str, address: str) -> bool:
        """The admitted attempt was wrong: it stays spent and the username's delay grows.

        True for the one failure that spent the pair's or the address's budget.
        """
        now = self.clock()
        spent = False
        with self._lock:
            self._count(self._accounts, username, now).failed += 1
            for count, limit in ((self._pairs.get((username, address)), self.max_failures),
                                 (self._addresses.get(address), self.max_address_failures)):
                if count is not None:
                    count.failed += 1
                    spent = spent or count.failed == limit
        return spent

    def succeeded(self, username: str, address: str) -> None:
        """The right password: the pair starts afresh and this attempt is given back to the address."""
        with self._lock:
            self._pairs.pop((username, address), None)
            self._accounts.pop(username, None)
            place = self._addresses.get(address)
            if place and place.used:
                place.used -= 1

    def delay(self, username: str) -> float:
        """Seconds to wait before checking a password for this username: doubling with its recent failures."""
        now = self.clock()
        with self._lock:
            count = self._accounts.get(username)
            failures = count.failed if count and now - count.since <= self.window_seconds else 0
        if failures < FREE_FAILURES:
            return 0.0
        return float(min(MAX_DELAY_SECONDS, 2 ** (failures - FREE_FAILURES)))


@dataclass
class Session:
    """A signed-in browser: the cookie holds ``id``; forms and HTMX calls carry ``csrf``."""

    id: str
    user_id: int
    role: str
    stamp: str
    csrf: str
    started: float
    seen: float = field(default=0.0)

    def still_fits(self, member: Member) -> bool:
        """Whether the account is as it was at sign-in: same role, same password."""
        return member.role == self.role and secrets.compare_digest(member.stamp, self.stamp)


class Sessions:
    """Server-side sessions in memory, ended by logout, idleness, age or a restart."""

    def __init__(self, idle_seconds: float = SESSION_IDLE_SECONDS, max_seconds: float = SESSION_MAX_SECONDS,
                 clock=time.monotonic):
        self.idle_seconds, self.max_seconds, self.clock = idle_seconds, max_seconds, clock
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def start(self, member: Member) -> Session:
        now = self.clock()
        session = Session(secrets.token_urlsafe(32), member.user_id, member.role, member.stamp,
                          secrets.token_urlsafe(32), now, now)
        with self._lock:
            self._sessions = {key: s for key, s in self._sessions.items() if not self._expired(s, now)}
            self._sessions[session.id] = session
        return session

    def get(self, session_id: str | None) -> Session | None:
        """The live session with this id (and note that it was used), or None."""
        if not session_id:
            return None
        now = self.clock()
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                return None
            if self._expired(session, now):
                del self._sessions[session_id]
                return None
            session.seen = now
            return session

    def _expired(self, session: Session, now: float) -> bool:
        return now - session.seen > self.idle_seconds or now - session.started > self.max_seconds

    def end(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)
