"""jobtui's job engine: PowerShell's job model for shell commands, with no user interface.

from jobtui.engine import JobEngine
with JobEngine() as engine:
    job = engine.start_job("make test")
    engine.wait_job([job])
    for stream, line in engine.receive_job([job]).lines():
        print(stream.name, line)
"""

from typing import TYPE_CHECKING, Any

from jobtui.engine.changes import JobChanges
from jobtui.engine.engine import JobEngine, Received, ReceivedPart, default_shell
from jobtui.engine.errors import (
    BlockedJobsDeadlockError,
    CannotRemoveChildJobError,
    JobError,
    JobInputError,
    JobNotFinishedError,
    JobNotFoundError,
    WorkingDirectoryNotFoundError,
)
from jobtui.engine.events import (
    JobAdded,
    JobEvent,
    JobInputClosed,
    JobListener,
    JobOutputAdded,
    JobReceived,
    JobRemoved,
    JobStateChanged,
    JobStatsUpdated,
    JobStatusChanged,
)
from jobtui.engine.job import (
    BACKGROUND_JOB,
    LIST_PROPERTIES,
    QUEUE_PROPERTIES,
    THREAD_JOB,
    Job,
    ProcessInfo,
)
from jobtui.engine.options import time_left
from jobtui.engine.output import OutputStore, Record, Stream
from jobtui.engine.states import FINISHED, PERSISTENT, JobFailure, JobState, JobStateInfo

__all__ = [
    "BACKGROUND_JOB",
    "FINISHED",
    "LIST_PROPERTIES",
    "PERSISTENT",
    "QUEUE_PROPERTIES",
    "THREAD_JOB",
    "BlockedJobsDeadlockError",
    "CannotRemoveChildJobError",
    "CaseMode",
    "DependencyFacts",
    "FailureInfo",
    "InvalidPatternError",
    "Job",
    "JobAdded",
    "JobChanges",
    "JobEngine",
    "JobError",
    "JobEvent",
    "JobFailure",
    "JobInputClosed",
    "JobInputError",
    "JobListener",
    "JobNotFinishedError",
    "JobNotFoundError",
    "JobOutputAdded",
    "JobReceived",
    "JobRemoved",
    "JobSnapshot",
    "JobState",
    "JobStateChanged",
    "JobStateInfo",
    "JobStatsUpdated",
    "JobStatusChanged",
    "OutputFacts",
    "OutputStore",
    "ProcessFacts",
    "ProcessInfo",
    "ProgressFacts",
    "Received",
    "ReceivedPart",
    "Record",
    "SearchHit",
    "SearchQuery",
    "SearchResult",
    "SearchSource",
    "SearchTask",
    "SearchTool",
    "StateInfo",
    "StatsSample",
    "Stream",
    "WorkingDirectoryNotFoundError",
    "compile_query",
    "default_shell",
    "search_transcripts",
    "time_left",
]

if TYPE_CHECKING:
    from jobtui.engine.search import (
        CaseMode,
        InvalidPatternError,
        SearchHit,
        SearchQuery,
        SearchResult,
        SearchSource,
        SearchTask,
        SearchTool,
        compile_query,
        search_transcripts,
    )
    from jobtui.engine.snapshot import (
        DependencyFacts,
        FailureInfo,
        JobSnapshot,
        OutputFacts,
        ProcessFacts,
        ProgressFacts,
        StateInfo,
        StatsSample,
    )

#: Search loads when first used (PEP 562): its patterns and ripgrep runner cost start-up ~13 ms,
#: and the app's first frame searches nothing.
_SEARCH_NAMES = frozenset(
    {
        "CaseMode",
        "InvalidPatternError",
        "SearchHit",
        "SearchQuery",
        "SearchResult",
        "SearchSource",
        "SearchTask",
        "SearchTool",
        "compile_query",
        "search_transcripts",
    }
)


#: The snapshot's dataclasses load with the first job's snapshot (about 4 ms of start-up).
_SNAPSHOT_NAMES = frozenset(
    {
        "DependencyFacts",
        "FailureInfo",
        "JobSnapshot",
        "OutputFacts",
        "ProcessFacts",
        "ProgressFacts",
        "StateInfo",
        "StatsSample",
    }
)


def __getattr__(name: str) -> Any:
    if name in _SEARCH_NAMES:
        from jobtui.engine import search

        return getattr(search, name)
    if name in _SNAPSHOT_NAMES:
        from jobtui.engine import snapshot

        return getattr(snapshot, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
