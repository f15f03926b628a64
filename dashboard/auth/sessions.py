"""Server-side sessions and sign-in lockout, in this process's memory.

The browser holds only an opaque random session id (256 bits) in an HttpOnly cookie; who the
person is, their role and their CSRF token stay here. Flask's own session cookie is signed but
readable by anyone holding it, so it is not used for any of this.

Sessions live in memory: the dashboard is one process (waitress threads), a restart signs
everyone out, and nothing about a session survives on disk. A session ends after
`idle_seconds` without a request, at sign-out, or when its account is removed; the store also
bounds how many live at once (the oldest idle one goes first), so a flood of sign-ins cannot
exhaust memory.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from dashboard.auth.roles import Role

MAX_SESSIONS = 10_000
MAX_TRACKED_NAMES = 10_000


@dataclass
class Session:
    id: str
    user: str
    roles: tuple[Role, ...]
    csrf_token: str
    created: float
    last_seen: float
    #: How the person signed in: "local" or "oidc".
    method: str = "local"


class SessionStore:
    def __init__(
        self,
        idle_seconds: float,
        *,
        max_sessions: int = MAX_SESSIONS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.idle_seconds = idle_seconds
        self._max = max_sessions
        self._clock = clock
        self._lock = threading.Lock()
        self._sessions: OrderedDict[str, Session] = OrderedDict()

    def create(self, user: str, roles: tuple[Role, ...], method: str = "local") -> Session:
        now = self._clock()
        session = Session(
            id=secrets.token_urlsafe(32),
            user=user,
            roles=roles,
            csrf_token=secrets.token_urlsafe(32),
            created=now,
            last_seen=now,
            method=method,
        )
        with self._lock:
            self._sessions[session.id] = session
            while len(self._sessions) > self._max:
                self._sessions.popitem(last=False)
        return session

    def get(self, session_id: str | None, *, touch: bool = True) -> Session | None:
        """The live session for this id; None otherwise. `touch` restarts its idle clock: a
        request the person made does, a page's background poll does not (else an open tab
        would never time out)."""
        if not session_id:
            return None
        now = self._clock()
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                return None
            if now - session.last_seen > self.idle_seconds:
                del self._sessions[session_id]
                return None
            if touch:
                session.last_seen = now
                self._sessions.move_to_end(session_id)
            return session

    def end(self, session_id: str | None) -> None:
        if session_id:
            with self._lock:
                self._sessions.pop(session_id, None)

    def __len__(self) -> int:
        return len(self._sessions)


@dataclass
class _Failures:
    count: int = 0
    locked_until: float = 0.0
    first: float = field(default=0.0)


class Lockout:
    """`max_failures` wrong sign-ins for one name (existing or not) lock it for `seconds`.

    Keyed by the name typed, so an unknown name behaves exactly like a known one; a success
    clears the count. Failures older than the lock duration are forgotten.
    """

    def __init__(
        self,
        max_failures: int,
        seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.seconds = seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._names: OrderedDict[str, _Failures] = OrderedDict()

    @staticmethod
    def _key(name: str) -> str:
        return name.strip().lower()[:256]

    def locked(self, name: str) -> bool:
        now = self._clock()
        with self._lock:
            entry = self._names.get(self._key(name))
            return entry is not None and entry.locked_until > now

    def failed(self, name: str) -> None:
        now = self._clock()
        key = self._key(name)
        with self._lock:
            entry = self._names.get(key)
            if entry is None or now - entry.first > self.seconds:
                entry = _Failures(first=now)
                self._names[key] = entry
            entry.count += 1
            if entry.count >= self.max_failures:
                entry.locked_until = now + self.seconds
                entry.count = 0
                entry.first = now
            self._names.move_to_end(key)
            while len(self._names) > MAX_TRACKED_NAMES:
                self._names.popitem(last=False)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._names.pop(self._key(name), None)


class LoginTokens:
    """CSRF tokens of the sign-in form, before any session exists (signed double submit).

    The token is "time.nonce.signature" with an HMAC of a per-process secret; it is sent both
    as a cookie and as the form's csrf_token field, and a POST is accepted only when both are
    equal, signed here and younger than `max_age` seconds. Another site can neither read the
    cookie nor forge a signature.
    """

    def __init__(self, max_age: float = 3600.0, secret: bytes | None = None) -> None:
        self._secret = secret or secrets.token_bytes(32)
        self.max_age = max_age

    def _sign(self, payload: str) -> str:
        return hmac.new(self._secret, payload.encode(), hashlib.sha256).hexdigest()

    def issue(self) -> str:
        payload = f"{int(time.time())}.{secrets.token_urlsafe(16)}"
        return f"{payload}.{self._sign(payload)}"

    def valid(self, form_token: str | None, cookie_token: str | None) -> bool:
        if not form_token or not cookie_token:
            return False
        if not hmac.compare_digest(form_token.encode(), cookie_token.encode()):
            return False
        payload, _, signature = form_token.rpartition(".")
        issued, _, _ = payload.partition(".")
        if not issued.isdigit() or not hmac.compare_digest(signature, self._sign(payload)):
            return False
        return 0 <= time.time() - int(issued) <= self.max_age
