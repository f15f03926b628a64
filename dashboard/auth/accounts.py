"""Local accounts: the embedded default when no OpenID Connect provider is configured.

The accounts file (SCORING_USERS_FILE) is JSON holding, per account, its name, role and an
argon2id hash of its password (argon2-cffi, RFC 9106 parameters): never the password itself.
Every write replaces the whole file atomically (temporary file with mode 0600 in the same
folder, fsync, rename) under an exclusive lock, so two `scoring users add` at once cannot lose
an account and a reader never sees half a file.

The dashboard re-reads the file when its modification time changes, so an account added or
removed with `scoring users` counts at the next request, without a restart; a removed account's
open sessions end at their next request.

Verification costs the same for an unknown name as for a wrong password: an unknown name is
checked against a dummy hash made with the same parameters, so response time does not tell
which names exist.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import secrets
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from dashboard.auth.roles import Role, parse_role

FORMAT_VERSION = 1
#: A name is shown on screen, forwarded to the API and written to the audit trail.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
#: argon2 takes 64 MiB per verification: at most this many at once per process, so a burst of
#: sign-in attempts cannot exhaust the dashboard's memory.
CONCURRENT_VERIFICATIONS = 2


class AccountError(ValueError):
    """A refused account operation or an unreadable accounts file, said for a person."""


@dataclass(frozen=True)
class Account:
    name: str
    role: Role
    password_hash: str
    created: str

    def public(self) -> dict[str, str]:
        """What `scoring users list` shows: never the hash."""
        return {"name": self.name, "role": self.role.value, "created": self.created}


def check_name(name: str) -> str:
    if not NAME_PATTERN.match(name):
        raise AccountError(
            f"account name {name!r} is not valid: expected 1-64 characters among letters, digits, "
            "'_', '.', '@', '-', starting with a letter or digit"
        )
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password is shorter than {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"the password is longer than {MAX_PASSWORD_LENGTH} characters")
    return password


def generate_password() -> str:
    """A random password of about 128 bits, easy to copy (URL-safe characters)."""
    return secrets.token_urlsafe(16)


class PasswordChecker:
    """argon2id hashing and constant-work verification (one per process)."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        self._dummy: str | None = None
        self._slots = threading.BoundedSemaphore(CONCURRENT_VERIFICATIONS)

    def hash(self, password: str) -> str:
        return self._hasher.hash(check_password(password))

    def _dummy_hash(self) -> str:
        if self._dummy is None:
            self._dummy = self._hasher.hash(generate_password())
        return self._dummy

    def verify(self, account: Account | None, password: str) -> bool:
        """True only for an existing account and its password; same work either way."""
        if len(password) > MAX_PASSWORD_LENGTH:
            password = password[:MAX_PASSWORD_LENGTH]  # refused below all the same
            account = None
        encoded = account.password_hash if account is not None else self._dummy_hash()
        with self._slots:
            try:
                matches = self._hasher.verify(encoded, password)
            except (VerificationError, InvalidHashError):
                matches = False
        return bool(matches) and account is not None


def _parse(text: str, path: Path) -> dict[str, Account]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise AccountError(
            f"{path}: not JSON (line {error.lineno}, column {error.colno}): {error.msg}"
        ) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT_VERSION:
        raise AccountError(
            f"{path}: expected an accounts file of format {FORMAT_VERSION} "
            '({"format": 1, "accounts": [...]})'
        )
    accounts: dict[str, Account] = {}
    for position, entry in enumerate(document.get("accounts", [])):
        try:
            account = Account(
                name=check_name(str(entry["name"])),
                role=parse_role(str(entry["role"])),
                password_hash=str(entry["password_hash"]),
                created=str(entry.get("created", "")),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise AccountError(f"{path}: account #{position + 1}: {error}") from None
        if not account.password_hash.startswith("$argon2"):
            raise AccountError(f"{path}: account {account.name!r}: password_hash is not argon2")
        accounts[account.name] = account
    return accounts


def read_accounts(path: Path) -> dict[str, Account]:
    """{name: account}; empty when the file does not exist yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    return _parse(text, path)


def _write(path: Path, accounts: dict[str, Account]) -> None:
    document = {
        "format": FORMAT_VERSION,
        "accounts": [
            {
                "name": a.name,
                "role": a.role.value,
                "password_hash": a.password_hash,
                "created": a.created,
            }
            for a in sorted(accounts.values(), key=lambda a: a.name)
        ],
    }
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(document, stream, indent=2)
            stream.write("\n")
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    with contextlib.suppress(OSError):  # the rename is durable once its folder is synced
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on a sibling lock file for one read-modify-write of the accounts."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(f".{path.name}.lock")
    descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def add_account(
    path: Path,
    name: str,
    role: Role,
    password: str,
    *,
    replace: bool = False,
    checker: PasswordChecker | None = None,
) -> Account:
    """Adds (or with `replace`, resets) an account; refuses an existing name otherwise."""
    check_name(name)
    password_hash = (checker or PasswordChecker()).hash(password)
    with _locked(path):
        accounts = read_accounts(path)
        if name in accounts and not replace:
            raise AccountError(
                f"account {name!r} already exists in {path}; remove it first "
                "(scoring users remove) or pass --replace to set a new password and role"
            )
        account = Account(
            name=name,
            role=role,
            password_hash=password_hash,
            created=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        accounts[name] = account
        _write(path, accounts)
    return account


def remove_account(path: Path, name: str) -> None:
    with _locked(path):
        accounts = read_accounts(path)
        if name not in accounts:
            known = ", ".join(sorted(accounts)) or "none"
            raise AccountError(f"no account {name!r} in {path} (accounts: {known})")
        del accounts[name]
        _write(path, accounts)


class AccountBook:
    """The accounts as the dashboard sees them: re-read when the file changes on disk."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._accounts: dict[str, Account] = {}

    def _current(self) -> dict[str, Account]:
        try:
            stat = self.path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        except FileNotFoundError:
            stamp = None
        with self._lock:
            if stamp != self._stamp:
                self._accounts = read_accounts(self.path) if stamp is not None else {}
                self._stamp = stamp
            return self._accounts

    def get(self, name: str) -> Account | None:
        return self._current().get(name)

    def __len__(self) -> int:
        return len(self._current())
