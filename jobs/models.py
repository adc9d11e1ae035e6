"""One row per background job: what it is, who asked, for which unit, and how it ended."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from core.extensions import db
from core.models import Unit, User, utcnow


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


LIVE_STATES = (JobState.QUEUED, JobState.RUNNING)


class Job(db.Model):
    """A piece of long work run by a worker. `payload` holds the uploaded file, in the database
    so that a worker on another machine reads the same bytes; `params` the rest of the request.
    Progress while it runs lives in the queue's store (see jobs.queue), not in this row: the
    work's own transaction is not committed until the end."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_state_kind", "state", "kind"),
                      Index("ix_jobs_unit_id_created_at", "unit_id", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(300), default="")
    state: Mapped[str] = mapped_column(String(16), default=JobState.QUEUED)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    payload: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    payload_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int | None]
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    result_url: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    user: Mapped[User | None] = relationship()
    unit: Mapped[Unit | None] = relationship()

    @property
    def live(self) -> bool:
        return self.state in LIVE_STATES

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.state}>"
