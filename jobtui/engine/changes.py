"""JobChanges: what a front end pulls from the engine, apart from the snapshots themselves.

Its own module so that a pull that finds nothing (every pull of an app with no job, its first
frame included) does not load :mod:`jobtui.engine.snapshot`, whose dataclasses cost start-up
about 4 ms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jobtui.engine.snapshot import JobSnapshot


@dataclass(frozen=True, slots=True)
class JobChanges:
    """What changed since a version: the snapshots of the jobs that moved, the ids that went."""

    version: int
    changed: tuple[JobSnapshot, ...] = ()
    removed: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe values."""
        return {
            "version": self.version,
            "changed": [snapshot.to_dict() for snapshot in self.changed],
            "removed": list(self.removed),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobChanges:
        """Changes from what :meth:`to_dict` made."""
        from jobtui.engine.snapshot import JobSnapshot

        return cls(
            version=int(data["version"]),
            changed=tuple(JobSnapshot.from_dict(item) for item in data["changed"]),
            removed=tuple(int(i) for i in data["removed"]),
        )
