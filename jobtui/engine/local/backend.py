"""The ``localhost`` Location: shell commands as process trees here, built-ins on threads.

One reactor thread reads every job's pipes, one monitor thread samples the running trees, and a
guardian process ends them all if jobtui dies. This is the only backend that touches OS process
handles (an import-linter contract in pyproject.toml holds the rest of the package to that).
"""

from __future__ import annotations

import contextlib
import logging
import os
import resource
import shutil
import signal
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from jobtui.engine.backend import LOCALHOST, Hooks, Runner, StartRequest
from jobtui.engine.errors import WorkingDirectoryNotFoundError
from jobtui.engine.job import THREAD_JOB, Job
from jobtui.engine.local import builtins, processes
from jobtui.engine.local.monitor import DEFAULT_INTERVAL, ProcessMonitor, Sampled
from jobtui.engine.local.reactor import Reactor
from jobtui.engine.local.runners import ProcessRunner, ProcessSpec, ThreadRunner
from jobtui.engine.local.watchdog import Guardian
from jobtui.engine.states import JobState

if TYPE_CHECKING:  # loaded with the first monitored job: a session of its own needs none
    from jobtui.engine.local.forkserver import ForkServer
    from jobtui.engine.local.jobfiles import MonitorInfo
    from jobtui.engine.local.monitored import Follower, MonitoredRunner

log = logging.getLogger(__name__)


class LocalBackend:
    """Runs jobs on this machine; the engine's default Location."""

    name = LOCALHOST

    def __init__(
        self,
        hooks: Hooks,
        *,
        session_id: str,
        shell: str | None = None,
        guardian: bool = True,
        monitor_interval: float = DEFAULT_INTERVAL,
        job_root: Path | None = None,
        transcript_limit: int | None = None,
    ) -> None:
        #: Where each job's directory is made when its commands run under a monitor of their own
        #: (a persistent session: the jobs outlive this process); None runs them as children.
        self.job_root = job_root
        #: The most bytes one monitored job's transcript keeps (its head and its tail).
        self.transcript_limit = transcript_limit
        self._follower: Follower | None = None
        #: Forks each job's monitor; started now, so the first job does not wait for it.
        self._fork_server: ForkServer | None = None
        if job_root is not None:
            from jobtui.engine.local.forkserver import ForkServer

            self._fork_server = ForkServer()
            try:
                self._fork_server.start()
            except OSError:
                log.exception("could not start the monitors' fork server")
        #: The shell that runs each command (``$SHELL -c``); changing it affects later jobs.
        self.shell = shell or default_shell()
        self.session_id = session_id
        self._hooks = hooks
        self._lock = threading.Lock()
        self._use_guardian = guardian
        self._guardian: Guardian | None = None
        self._closed = False
        # The spawned process jobs, until they finish: what the monitor samples and the
        # guardian forgets. Keyed by job (identity), since the engine reports a job finished.
        self._live: dict[Job, ProcessRunner] = {}
        # The monitored jobs (a persistent session), sampled too; those finished are dropped
        # when the monitor next asks (their monitors, not this backend, report the end).
        self._live_monitored: dict[Job, MonitoredRunner] = {}
        # Taken once, already encoded: copying and encoding os.environ for every job costs
        # about a tenth of a millisecond, a tenth of what a whole job start costs.
        self._base_environment = {os.fsencode(k): os.fsencode(v) for k, v in os.environ.items()}
        # The same for a monitored job's (a dict of str: the fork server's request encodes it
        # whole); a copy of os.environ decoded each of its variables, 0.1 ms a start again.
        self._base_text_environment = dict(os.environ)
        _raise_open_file_limit()
        self._reactor = Reactor()
        self._monitor = ProcessMonitor(self._running, hooks.sampled, monitor_interval)

    # -- the Backend protocol ------------------------------------------------------------------

    def location(self, job_type: str) -> str:
        """PowerShell's Location: a ThreadJob runs in "PowerShell" itself, others on localhost."""
        return "PowerShell" if job_type == THREAD_JOB else LOCALHOST

    def working_directory(self, requested: str | None, default: str) -> str:
        """The absolute directory; WorkingDirectoryNotFoundError if it is not a directory."""
        cwd = os.path.abspath(requested or default)
        if not os.path.isdir(cwd):
            raise WorkingDirectoryNotFoundError(requested or cwd)
        return cwd

    def create_runner(self, job: Job, request: StartRequest) -> Runner:
        """A built-in's thread runner, or a process runner for the shell."""
        info = job.process
        info.cwd = request.cwd
        info.environment = dict(request.environment)
        builtin = builtins.lookup(request.command)
        if builtin is not None:
            function, arguments = builtin
            return ThreadRunner(job, function, arguments, self._hooks.output, self._finished)
        info.shell = self.shell
        if self.job_root is not None:
            return self._monitored(job, request)
        return ProcessRunner(
            job,
            self._spec(job, request),
            self._reactor,
            self._hooks.output,
            self._finished,
            self._spawned,
        )

    def stop_many(self, runners: Sequence[Runner], grace: float) -> None:
        """Stop many jobs at once: one grace period for all of them, not one each."""
        # The backend tells apart the runners it made itself; the engine never does.
        trees = [r for r in runners if isinstance(r, ProcessRunner)]
        if trees:
            ProcessRunner.terminate_many(trees, grace)
        if self.job_root is not None:
            from jobtui.engine.local.monitored import MonitoredRunner

            monitored = [r for r in runners if isinstance(r, MonitoredRunner)]
            if monitored:
                MonitoredRunner.terminate_many(monitored, grace)
        for runner in runners:
            if isinstance(runner, ThreadRunner):
                runner.terminate(grace)

    def close(self, grace: float) -> None:
        """End what finished jobs left behind, then the monitor, the guardian and the reactor."""
        with self._lock:
            self._closed = True
        self._end_leftovers(grace)
        if self._follower is not None:
            self._follower.close()
        if self._fork_server is not None:
            self._fork_server.close()
        self._monitor.close()
        if self._guardian is not None:
            self._guardian.close()
        self._reactor.close()

    # -- monitored jobs (a persistent session) -------------------------------------------------

    def job_dir(self, job: Job) -> Path:
        """The directory of a job run under a monitor: its InstanceId under ``job_root``."""
        assert self.job_root is not None
        return self.job_root / str(job.instance_id)

    def _ensure_follower(self) -> Follower:
        from jobtui.engine.local.monitored import Follower

        with self._lock:
            if self._follower is None:
                self._follower = Follower()
            return self._follower

    def _monitored(self, job: Job, request: StartRequest) -> MonitoredRunner:
        from jobtui.engine.local.monitored import MonitoredRunner

        script = request.command
        if request.initialization_script:
            script = f"{request.initialization_script}\n{request.command}"
        env = dict(self._base_text_environment)
        env.update(request.environment)
        env[processes.SESSION_TAG] = self.session_id
        argv = [self.shell, "-c", script, os.path.basename(self.shell), *request.argument_list]
        runner = MonitoredRunner(
            job,
            self.job_dir(job),
            self._ensure_follower(),
            self._hooks.output,
            self._hooks.finished,
            argv=argv,
            cwd=request.cwd,
            env=env,
            stdin=request.input,
            limit=self.transcript_limit,
            server=self._fork_server,
        )
        self._sample(runner)
        return runner

    def _sample(self, runner: MonitoredRunner) -> None:
        """Sample a monitored job's processes, as a process job's are (CPU, memory, Blocked)."""
        with self._lock:
            self._live_monitored[runner.job] = runner
        self._monitor.ensure_running()

    def adopt(self, job: Job, info: MonitorInfo, cursor: int) -> MonitoredRunner:
        """Follow a job that a previous host started and whose monitor still runs."""
        from jobtui.engine.local.monitored import MonitoredRunner

        job.process.shell = self.shell
        runner = MonitoredRunner(
            job,
            self.job_dir(job),
            self._ensure_follower(),
            self._hooks.output,
            self._hooks.finished,
        )
        job.runner = runner
        runner.adopt(info, cursor)
        self._sample(runner)
        return runner

    # -- process jobs --------------------------------------------------------------------------

    def _spec(self, job: Job, request: StartRequest) -> ProcessSpec:
        script = request.command
        if request.initialization_script:
            script = f"{request.initialization_script}\n{request.command}"
        env = dict(self._base_environment)
        env.update((os.fsencode(k), os.fsencode(v)) for k, v in request.environment.items())
        env[processes.JOB_TAG.encode()] = str(job.instance_id).encode()
        env[processes.SESSION_TAG.encode()] = self.session_id.encode()
        # "$0" is the shell's own name so its messages read as usual; the arguments are $1...
        argv = [self.shell, "-c", script, os.path.basename(self.shell), *request.argument_list]
        return ProcessSpec(argv=argv, cwd=request.cwd, env=env, stdin=request.input)

    def _spawned(self, runner: ProcessRunner) -> None:
        """A job's process exists: the guardian and the monitor watch it from now on."""
        with self._lock:
            self._live[runner.job] = runner
        guardian = self._ensure_guardian()
        if guardian is not None and runner.pid is not None:
            guardian.watch(runner.pid)
        self._monitor.ensure_running()

    def _finished(self, job: Job) -> None:
        with self._lock:
            runner = self._live.pop(job, None)
            guardian = self._guardian
        if runner is not None and runner.pid is not None and guardian is not None:
            guardian.forget(runner.pid)
        self._hooks.finished(job)

    def _running(self) -> list[Sampled]:
        """The jobs the monitor samples: started and not finished."""
        with self._lock:
            for job in [job for job in self._live_monitored if job.state.is_finished]:
                del self._live_monitored[job]
            runners: list[Sampled] = [*self._live.values(), *self._live_monitored.values()]
            return [
                runner
                for runner in runners
                if not runner.job.state.is_finished and runner.job.state is not JobState.NotStarted
            ]

    def _ensure_guardian(self) -> Guardian | None:
        with self._lock:
            if self._use_guardian and self._guardian is None and not self._closed:
                try:
                    self._guardian = Guardian(self.session_id)
                except OSError:
                    log.exception("could not start the guardian process")
                    self._use_guardian = False
            return self._guardian

    def _end_leftovers(self, grace: float) -> None:
        # Processes that finished jobs left behind (daemons) must not outlive the session.
        pids = processes.tagged_pids(processes.SESSION_TAG, self.session_id)
        if pids:
            processes.signal_pids(pids, None, signal.SIGTERM)
            left = processes.wait_gone(pids, grace)
            processes.signal_pids(left, None, signal.SIGKILL)
            processes.wait_gone(left, 1.0)


def default_shell() -> str:
    """The user's $SHELL when it is a usable absolute path, else /bin/sh."""
    shell = os.environ.get("SHELL", "")
    if os.path.isabs(shell) and os.access(shell, os.X_OK):
        return shell
    return shutil.which("sh") or "/bin/sh"


def _raise_open_file_limit() -> None:
    # Each running job holds four descriptors; the common default of 1,024 caps that at 250.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 65536 if hard == resource.RLIM_INFINITY else min(hard, 65536)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
