"""The one door from the app to the workers, whichever way jobs travel: the interface, and
the errors a dispatch reports to the user."""

from __future__ import annotations

from abc import ABC, abstractmethod

from imagegen.contract import EngineCatalog, Job


class JobRefused(Exception):
    """The worker will not run this job; the message says why."""


class WorkerTimeout(Exception):
    """No answer in time: the job may have been taken, so sending it again must be safe."""


class WorkerUnreachable(Exception):
    """The workers (or their queue) could not be reached at all."""


class WorkerClient(ABC):
    """Submit, cancel and read the engine catalogue."""

    @abstractmethod
    def where(self) -> str:
        """Where jobs go, for messages ("at http://…", "on the shared queue at host:port")."""

    @abstractmethod
    def submit(self, job: Job, timeout: float) -> None:
        """Hands over a job; a repeat of one already taken is accepted and changes nothing.
        Raises JobRefused, WorkerTimeout or WorkerUnreachable."""

    @abstractmethod
    def cancel(self, generation_id: str, engine: str | None = None, timeout: float = 5) -> bool:
        """Stops a job wherever it is; False when it could not be told (logged)."""

    @abstractmethod
    def engines(self, timeout: float = 5) -> EngineCatalog:
        """The engine catalogue; raises WorkerUnreachable, or ValueError for a bad answer."""

    @abstractmethod
    def close(self) -> None:
        """Releases connections (tests reset singletons between stacks)."""
