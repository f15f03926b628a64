"""The advisors' final decisions: recorded beside the audit trail, on the same durable terms.

A person stays in charge of every decision: the advisor follows the model or overrides it, and
an override must say why (a reason code from shared.governance.REASON_CODES and a comment).
Each record keeps what the model said at that moment (decision, probability, threshold, version,
which model answered) and who acted (the API key's name and the signed-in advisor), so a validator
can later measure how often, why and in which direction people depart from the model.

Records go through the audit trail's writer (api/audit.py): same database (the SQLite file or
PostgreSQL, api/storage.py), same group commit, committed before the API answers.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from api.audit import AuditLog, Write, source_database
from api.errors import InvalidInput
from api.identity import current_user
from api.storage import Database
from shared.contract import ErrorItem
from shared.governance import (
    DecisionRecord,
    DecisionRequest,
    DecisionSummary,
    OverrideCount,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    time TEXT NOT NULL,
    client_id INTEGER NOT NULL,
    final_decision TEXT NOT NULL,
    model_decision TEXT NOT NULL,
    override INTEGER NOT NULL,
    reason_code TEXT,
    comment TEXT NOT NULL,
    probability REAL NOT NULL,
    threshold REAL NOT NULL,
    model_version TEXT NOT NULL,
    model TEXT NOT NULL,
    caller TEXT NOT NULL,
    user TEXT
);
CREATE INDEX IF NOT EXISTS decisions_time ON decisions (time);
"""
COLUMNS = (
    "id",
    "time",
    "client_id",
    "final_decision",
    "model_decision",
    "override",
    "reason_code",
    "comment",
    "probability",
    "threshold",
    "model_version",
    "model",
    "caller",
    "user",
)
_INSERT = f"INSERT INTO decisions ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"


def check_override(body: DecisionRequest, model_decision: str) -> None:
    """An override (final decision != the model's) needs a reason code and a comment."""
    if body.final_decision == model_decision:
        return
    problems = []
    if body.reason_code is None:
        problems.append(
            ErrorItem(
                field="reason_code",
                value=None,
                expected="a code from GET /v1/decisions/reasons",
                message=f"overriding the model's '{model_decision}' needs a reason code",
            )
        )
    if not body.comment.strip():
        problems.append(
            ErrorItem(
                field="comment",
                value=body.comment,
                expected="a non-empty explanation",
                message=f"overriding the model's '{model_decision}' needs a comment",
            )
        )
    if problems:
        raise InvalidInput(
            f"final decision '{body.final_decision}' overrides the model's '{model_decision}': "
            "a reason code and a comment are required",
            problems,
        )


class DecisionLog:
    def __init__(self, audit: AuditLog) -> None:
        self.audit = audit
        self.path = audit.path
        self.database = audit.database
        audit.ensure_schema(_SCHEMA)
        audit.add_columns("decisions", ("user",))  # files written before sign-in existed

    async def record(
        self,
        body: DecisionRequest,
        *,
        model_decision: str,
        probability: float,
        threshold: float,
        model_version: str,
        model: str,
        caller: str,
    ) -> DecisionRecord:
        """Checks an override's justification, commits the record, returns it."""
        check_override(body, model_decision)
        record = DecisionRecord(
            id=uuid.uuid4().hex,
            time=datetime.now(UTC),
            client_id=body.client_id,
            final_decision=body.final_decision,
            model_decision=model_decision,  # type: ignore[arg-type]
            override=body.final_decision != model_decision,
            reason_code=body.reason_code,
            comment=body.comment.strip(),
            probability=probability,
            threshold=threshold,
            model_version=model_version,
            model=model,
            caller=caller,
            user=current_user(),
        )
        data = record.model_dump(mode="json")
        data["time"] = record.time.isoformat(timespec="microseconds")
        data["override"] = int(record.override)
        await self.audit.write_async([Write(_INSERT, [tuple(data[c] for c in COLUMNS)])])
        return record


def read_decisions(
    source: Database | AuditLog | Path | str, *, since: datetime | None = None
) -> Iterator[DecisionRecord]:
    """Records in the order they were committed, from a connection of their own (the database
    of an AuditLog or DecisionLog's `database`, or a SQLite file by its path)."""
    database = source_database(source)
    if not database.has_table("decisions"):
        return
    query = f"SELECT {', '.join(COLUMNS)} FROM decisions"
    params: list[object] = []
    if since is not None:
        query += " WHERE time >= ?"
        params.append(since.astimezone(UTC).isoformat(timespec="microseconds"))
    for row in database.query(query + " ORDER BY seq", params):
        data = dict(zip(COLUMNS, row, strict=True))
        data["override"] = bool(data["override"])
        yield DecisionRecord.model_validate(data)


def summary(records: Iterator[DecisionRecord]) -> DecisionSummary:
    total = overrides = 0
    reasons: Counter[str] = Counter()
    directions: Counter[str] = Counter()
    for record in records:
        total += 1
        if record.override:
            overrides += 1
            reasons[record.reason_code or "none"] += 1
            directions[record.final_decision] += 1
    return DecisionSummary(
        total=total,
        overrides=overrides,
        override_rate=overrides / total if total else None,
        by_reason=[OverrideCount(key=k, count=v) for k, v in reasons.most_common()],
        by_direction=[
            OverrideCount(key=k, count=directions.get(k, 0)) for k in ("grant", "refuse")
        ],
    )


def as_jsonl(records: Iterator[DecisionRecord]) -> Iterator[str]:
    for record in records:
        yield record.model_dump_json() + "\n"


def _cell(value: object) -> object:
    """A CSV cell a spreadsheet will not run: text starting like a formula gets a quote mark
    (comments are free text typed by people)."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def as_csv(records: Iterator[DecisionRecord]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    yield buffer.getvalue()
    for record in records:
        buffer.seek(0)
        buffer.truncate()
        data = record.model_dump(mode="json")
        writer.writerow([_cell(data[c]) for c in COLUMNS])
        yield buffer.getvalue()
