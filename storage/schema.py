"""Creating the read model's tables."""

from __future__ import annotations

from sqlalchemy.engine import Engine

import models.tables  # noqa: F401  (registers every table on SQLModel.metadata)
from storage.migrate import upgrade_engine


def ensure_schema(engine: Engine) -> None:
    """Migrate the read model to the newest revision; safe to call from several processes."""
    upgrade_engine(engine)
