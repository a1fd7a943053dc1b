"""The team server's own state, kept in its memory on purpose: sessions and the login throttle.

- **sessions** (:class:`Sessions`): a random id in an HttpOnly cookie, mapped here to the user
  and the session's CSRF token. A restart signs everyone out, which is the safe failure; the
  user and membership are re-read on every request, so disabling someone takes effect at once.
- **login throttling** (:class:`LoginThrottle`): failures counted per username *and* client
  address; after :data:`MAX_FAILURES` within :data:`LOCK_SECONDS` that pair is locked out for
  :data:`LOCK_SECONDS` (the password is not even checked while locked). Counting in memory
  needs no schema change and the counters cannot be reset by anyone outside the server process.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

from reverie.services.system.members import LockedOut, Member

MAX_FAILURES = 5
LOCK_SECONDS = 15 * 60
SESSION_IDLE_SECONDS = 60 * 60
SESSION_MAX_SECONDS = 12 * 60 * 60
MAX_TRACKED = 10_000  # failure records kept before stale ones are swept, so guessing names cannot fill memory


@dataclass
class _Failures:
    count: int = 0
    first: float = 0.0
    locked_until: float = 0.0


class LoginThrottle:
    """Counts failed logins per (username, client address) in memory; locks a pair out for a while."""

    def __init__(self, max_failures: int = MAX_FAILURES, lock_seconds: float = LOCK_SECONDS,
                 clock=time.monotonic):
        self.max_failures, self.lock_seconds, self.clock = max_failures, lock_seconds, clock
        self._failures: dict[tuple[str, str], _Failures] = {}
        self._lock = threading.Lock()

    def check(self, username: str, address: str) -> None:
        with self._lock:
            record = self._failures.get((username, address))
            left = record.locked_until - self.clock() if record else 0
        if left > 0:
            raise LockedOut(f"too many failed logins; try again in {int(left // 60) + 1} minutes")

    def failed(self, username: str, address: str) -> bool:
        """Count a failure; True when this one starts a lock-out."""
        now = self.clock()
        with self._lock:
            if len(self._failures) >= MAX_TRACKED:
                self._failures = {key: r for key, r in self._failures.items()
                                  if r.locked_until > now or now - r.first <= self.lock_seconds}
            record = self._failures.setdefault((username, address), _Failures(first=now))
            if now - record.first > self.lock_seconds:
                record.count, record.first = 0, now
            record.count += 1
            if record.count >= self.max_failures:
                record.locked_until, record.count, record.first = now + self.lock_seconds, 0, now
                return True
        return False

    def succeeded(self, username: str, address: str) -> None:
        with self._lock:
            self._failures.pop((username, address), None)



@dataclass
class Session:
    """A signed-in browser: the cookie holds ``id``; forms and HTMX calls carry ``csrf``."""

    id: str
    user_id: int
    csrf: str
    started: float
    seen: float = field(default=0.0)


class Sessions:
    """Server-side sessions in memory, ended by logout, idleness, age or a restart."""

    def __init__(self, idle_seconds: float = SESSION_IDLE_SECONDS, max_seconds: float = SESSION_MAX_SECONDS,
                 clock=time.monotonic):
        self.idle_seconds, self.max_seconds, self.clock = idle_seconds, max_seconds, clock
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def start(self, member: Member) -> Session:
        now = self.clock()
        session = Session(secrets.token_urlsafe(32), member.user_id, secrets.token_urlsafe(32), now, now)
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
