"""Telling people a case needs them: reminders, overdue stages and legal-opinion threads."""

from __future__ import annotations

import logging

from temporalio import activity

from models.state import Notification

log = logging.getLogger("mufakat.notifications")


class NotificationActivities:
    """Delivers notifications; today to the structured log every operator's tooling reads."""

    def __init__(self, logger: logging.Logger = log) -> None:
        self._log = logger

    @activity.defn(name="notify")
    async def notify(self, notification: Notification) -> None:
        """Deliver one notification (idempotent: the same one twice is harmless)."""
        self._log.info(
            "%s %s: %s",
            notification.case_id,
            notification.kind,
            notification.message,
            extra={"notification": notification.model_dump(mode="json")},
        )
