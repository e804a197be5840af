"""The outbox: notices written once the workflow task that made them has committed.

Both activities here are regular activities, which the server dispatches only after the
scheduling workflow task's completion is in history (architecture.md, "only what has committed
is recorded"): a task that fails after making a notice never reaches the outbox, so nobody is
told of an action that was not applied. Each write is idempotent by notice id, so a retried
activity (a worker that died after the insert) changes nothing. Delivery is the dispatcher's
(api/services/delivery/dispatcher.py), which a write wakes when it runs in the same process.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio import activity

from activities.names import NOTIFY, RECORD_NOTICES
from models.case import CaseType
from models.notices import Notice, NoticeBatch
from models.state import CaseView, Notification
from models.tables import CaseRecord, NoticeRecord
from storage.pinned_rules import recorded_guideline
from workflows.notices import LEGACY_KINDS

log = logging.getLogger("mufakat.notifications")


class OutboxActivities:
    """Writes notices to the read model's outbox; `on_recorded` wakes a dispatcher."""

    def __init__(self, engine: Engine, on_recorded: Callable[[], None] | None = None) -> None:
        self._engine = engine
        self._on_recorded = on_recorded

    @activity.defn(name=RECORD_NOTICES)
    async def record_notices(self, batch: NoticeBatch) -> None:
        """Write a committed task's notices (a notice already there is skipped)."""
        await asyncio.to_thread(self.write, batch.notices)

    @activity.defn(name=NOTIFY)
    async def notify(self, notification: Notification) -> None:
        """A run begun before the outbox: its notification, as a notice of its own.

        Its id comes from the activity's identity, the same on every retry of it.
        """
        info = activity.info()
        run = (info.workflow_run_id or "")[:8]
        notice_id = f"{notification.case_id}.r{run}a{info.activity_id}"
        await asyncio.to_thread(self.write_legacy, notification, notice_id)

    def write(self, notices: list[Notice]) -> None:
        if not notices:
            return
        now = datetime.now(UTC)
        with Session(self._engine) as session:
            ids = [n.notice_id for n in notices]
            present = set(
                session.exec(
                    select(NoticeRecord.notice_id).where(col(NoticeRecord.notice_id).in_(ids))
                )
            )
            for notice in notices:
                if notice.notice_id in present:
                    continue
                session.add(
                    NoticeRecord(
                        notice_id=notice.notice_id,
                        case_id=notice.case_id,
                        type=notice.type.value,
                        at=notice.at,
                        body=notice.model_dump(mode="json"),
                        recorded_at=now,
                    )
                )
            session.commit()
        for notice in notices:
            log.info(
                "%s %s: %s",
                notice.case_id,
                notice.type.value,
                notice.message,
                extra={"notice": notice.notice_id},
            )
        if self._on_recorded is not None:
            self._on_recorded()

    def write_legacy(self, notification: Notification, notice_id: str) -> None:
        """The notice of a legacy notification, with what the read model says of its case.

        The read model may not have caught up with the stage it tells of (the notification is
        awaited before the action's projection), so the stage's title is the pinned guideline's.
        """
        with Session(self._engine) as session:
            record = session.get(CaseRecord, notification.case_id)
            guideline = (
                recorded_guideline(session, record.guideline_hash) if record is not None else None
            )
        view = CaseView.model_validate(record.detail) if record is not None else None
        stages = (
            guideline.stages_for(CaseType(view.case_type))
            if guideline is not None and view is not None
            else {}
        )
        stage = stages.get(notification.stage)
        stage_title = stage.title if stage is not None else notification.stage
        notice = Notice(
            notice_id=notice_id,
            type=LEGACY_KINDS[notification.kind],
            case_id=notification.case_id,
            case_title=view.title if view else "",
            case_type=view.case_type if view else "",
            at=activity.info().scheduled_time,
            seq=0,  # its entry is not known: seen by whoever sees the case
            stage=notification.stage,
            stage_title=stage_title,
            message=notification.message,
            due_at=notification.due_at,
        )
        self.write([notice])
