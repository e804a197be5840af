"""What the services work against: the read model, Temporal, the settings, and the stores.

Routes get it through `BackendDep` (api/deps.py), the console through `backend_of(app)`, and
the CLI builds one of its own from the settings it found (api/services/connecting.py).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from temporalio.client import Client

from activities.calendar import WorkingDayCalendar
from activities.document_store import DocumentStore, archive_store, document_store
from audit.archive import CaseArchives
from audit.signing import instance_signer
from models.settings import Settings
from models.signing import PublicKey


class _Made:
    """What is made once, on first use, and then shared by every request of one app.

    An S3 client is costly to create and safe to share; an app that never stores a document
    never makes one. A lock, since services call these from worker threads as well.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.documents: DocumentStore | None = None
        self.archives: CaseArchives | None = None
        self.signing_key: PublicKey | None = None
        self.calendar: WorkingDayCalendar | None = None


@dataclass(frozen=True)
class Backend:
    """The read model (`engine`), Temporal (`temporal`) and the settings, with the stores.

    Made as `Backend(engine, temporal, settings)`, it makes its stores for itself; an app's
    backends share theirs (`backend_of`).
    """

    engine: Engine
    temporal: Client
    settings: Settings
    _made: _Made = field(default_factory=_Made, repr=False, compare=False)

    @property
    def documents(self) -> DocumentStore:
        """Where documents' content is kept (the settings choose a directory or a bucket)."""
        with self._made.lock:
            if self._made.documents is None:
                self._made.documents = document_store(self.settings)
            return self._made.documents

    @property
    def archives(self) -> CaseArchives:
        """Closed cases' archives, read once Temporal's retention has dropped a case."""
        with self._made.lock:
            if self._made.archives is None:
                self._made.archives = CaseArchives(self.engine, archive_store(self.settings))
            return self._made.archives

    @property
    def calendar(self) -> WorkingDayCalendar:
        """The working-day calendar, one per app so every request shares its holiday cache."""
        with self._made.lock:
            if self._made.calendar is None:
                self._made.calendar = WorkingDayCalendar()
            return self._made.calendar

    def signing_key(self) -> PublicKey:
        """The public key that signs this instance's audit exports; blocks (run off the loop).

        Made on first use when no export has been signed yet: the same key the exports get.
        """
        with self._made.lock:
            if self._made.signing_key is None:
                key_file = self.settings.audit_signing_key_file
                self._made.signing_key = instance_signer(self.engine, key_file).public
            return self._made.signing_key


def share_backend(app: Starlette) -> None:
    """Give the app the place where its backend keeps what it makes on first use."""
    app.state.backend_made = _Made()


def backend_of(app: Starlette) -> Backend:
    """The app's backend: what `create_app` and its lifespan put in `app.state`."""
    state: Any = app.state
    # Read each time: the Temporal client arrives with the lifespan (tests set their own), and
    # an app served without one (the reference routes alone) never asks Temporal anything.
    temporal: Client = getattr(state, "temporal", None)  # type: ignore[assignment]
    return Backend(state.engine, temporal, state.settings, state.backend_made)
