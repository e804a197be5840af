"""Activity names the workflow calls by name, without importing what implements them.

The projection's module brings the database libraries; the workflow (and a process that only
replays it) has no use for them, so it names the activity instead of referring to its method.
"""

from __future__ import annotations

PROJECT_CASE = "project_case"
RECORD_TRAIL = "record_trail"
RECORD_NOTICES = "record_notices"
# Runs begun before the outbox still call it (activities/outbox.py writes it to the outbox).
NOTIFY = "notify"
