"""jobtui's job engine: PowerShell's job model for shell commands, with no user interface.

from jobtui.engine import JobEngine
with JobEngine() as engine:
    job = engine.start_job("make test")
    engine.wait_job([job])
    for stream, line in engine.receive_job([job]).lines():
        print(stream.name, line)
"""

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
    JobListener,
    JobOutputAdded,
    JobReceived,
    JobRemoved,
    JobStateChanged,
    JobStatsUpdated,
)
from jobtui.engine.job import (
    BACKGROUND_JOB,
    LIST_PROPERTIES,
    QUEUE_PROPERTIES,
    THREAD_JOB,
    Job,
    ProcessInfo,
)
from jobtui.engine.output import OutputStore, Record, Stream
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
    "InvalidPatternError",
    "Job",
    "JobAdded",
    "JobEngine",
    "JobError",
    "JobEvent",
    "JobFailure",
    "JobInputError",
    "JobListener",
    "JobNotFinishedError",
    "JobNotFoundError",
    "JobOutputAdded",
    "JobReceived",
    "JobRemoved",
    "JobState",
    "JobStateChanged",
    "JobStateInfo",
    "JobStatsUpdated",
    "OutputStore",
    "ProcessInfo",
    "Received",
    "ReceivedPart",
    "Record",
    "SearchHit",
    "SearchQuery",
    "SearchResult",
    "SearchSource",
    "SearchTask",
    "SearchTool",
    "Stream",
    "WorkingDirectoryNotFoundError",
    "compile_query",
    "default_shell",
    "search_transcripts",
]
