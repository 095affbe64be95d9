"""jobtui's job engine: PowerShell's job model for shell commands, with no user interface.

from jobtui.engine import JobEngine
with JobEngine() as engine:
    job = engine.start_job("make test")
    engine.wait_job([job])
    for stream, line in engine.receive_job([job]).lines():
        print(stream.name, line)
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jobtui.engine.changes import (
        JobChanges,
    )
    from jobtui.engine.engine import (
        JobEngine,
        Received,
        ReceivedPart,
        default_shell,
    )
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
    from jobtui.engine.output import (
        OutputStore,
        Record,
        Stream,
    )
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
    from jobtui.engine.states import (
        FINISHED,
        PERSISTENT,
        JobFailure,
        JobState,
        JobStateInfo,
    )

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

#: Where each public name lives. Nothing loads until a name is first used (PEP 562): a front
#: end that only reads states and snapshots (the app attached to a host, the first frame of any
#: app) never pays for the engine's machinery, its process handling or its search.
_HOMES: dict[str, str] = {
    "BACKGROUND_JOB": "job",
    "BlockedJobsDeadlockError": "errors",
    "CannotRemoveChildJobError": "errors",
    "CaseMode": "search",
    "DependencyFacts": "snapshot",
    "FINISHED": "states",
    "FailureInfo": "snapshot",
    "InvalidPatternError": "search",
    "Job": "job",
    "JobAdded": "events",
    "JobChanges": "changes",
    "JobEngine": "engine",
    "JobError": "errors",
    "JobEvent": "events",
    "JobFailure": "states",
    "JobInputClosed": "events",
    "JobInputError": "errors",
    "JobListener": "events",
    "JobNotFinishedError": "errors",
    "JobNotFoundError": "errors",
    "JobOutputAdded": "events",
    "JobReceived": "events",
    "JobRemoved": "events",
    "JobSnapshot": "snapshot",
    "JobState": "states",
    "JobStateChanged": "events",
    "JobStateInfo": "states",
    "JobStatsUpdated": "events",
    "JobStatusChanged": "events",
    "LIST_PROPERTIES": "job",
    "OutputFacts": "snapshot",
    "OutputStore": "output",
    "PERSISTENT": "states",
    "ProcessFacts": "snapshot",
    "ProcessInfo": "job",
    "ProgressFacts": "snapshot",
    "QUEUE_PROPERTIES": "job",
    "Received": "engine",
    "ReceivedPart": "engine",
    "Record": "output",
    "SearchHit": "search",
    "SearchQuery": "search",
    "SearchResult": "search",
    "SearchSource": "search",
    "SearchTask": "search",
    "SearchTool": "search",
    "StateInfo": "snapshot",
    "StatsSample": "snapshot",
    "Stream": "output",
    "THREAD_JOB": "job",
    "WorkingDirectoryNotFoundError": "errors",
    "compile_query": "search",
    "default_shell": "engine",
    "search_transcripts": "search",
    "time_left": "options",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"jobtui.engine.{home}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
