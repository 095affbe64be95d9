"""A real one-node Slurm on loopback for the Slurm Location's tests.

``munged``, ``slurmctld`` and ``slurmd`` run as root with a config of their own: state, spool and
log directories in a temporary directory, ``ProctrackType=proctrack/linuxproc`` and
``TaskPlugin=task/none`` (no cgroups needed), and ``batch_sched_delay=0,sched_min_interval=0`` so
that a ``true`` job finishes in about a second rather than three to five. The node is this
machine's short hostname (slurmd refuses a NodeName that is not its own). Client commands find
the cluster through ``SLURM_CONF``, as a user's would. Where the daemons or root are missing the
tests skip and say why; at the end every daemon is stopped and waited for.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

DAEMONS = ("munged", "slurmctld", "slurmd")
#: Two CPUs and 400 MB: two 100 MB jobs at once, and a job that asks for more stays pending.
CPUS = 2
MEMORY_MB = 400
PARTITION = "debug"
#: Where the client commands were when the tests began.
_CLIENT_PATH = os.environ.get("PATH", os.defpath)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class SlurmCluster:
    """A running one-node cluster: its config file and the environment that reaches it."""

    directory: str
    conf: str
    node: str
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        """The environment client commands need (SLURM_CONF)."""
        return {**os.environ, "SLURM_CONF": self.conf}

    def run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """A Slurm client command against this cluster."""
        # By full path: a test may take Slurm off PATH to see what a user without it sees.
        command = [shutil.which(argv[0], path=_CLIENT_PATH) or argv[0], *argv[1:]]
        return subprocess.run(
            command, env=self.env, capture_output=True, text=True, timeout=30, check=check
        )

    def queue(self) -> list[dict[str, object]]:
        """squeue's jobs (each a dict of squeue --json)."""
        out = self.run("squeue", "--json").stdout
        jobs: list[dict[str, object]] = json.loads(out)["jobs"]
        return jobs

    def live_job_ids(self) -> list[int]:
        """The ids of jobs still pending, running or being cancelled."""
        live = []
        for job in self.queue():
            state = str(job.get("job_state", ""))
            if state in ("PENDING", "RUNNING", "SUSPENDED", "CONFIGURING", "COMPLETING"):
                live.append(int(job["job_id"]))  # type: ignore[call-overload]
        return live

    def wait_queue_empty(self, timeout: float = 20.0) -> list[int]:
        """Wait until nothing is pending or running; the ids still live at the end."""
        deadline = time.monotonic() + timeout
        live = self.live_job_ids()
        while live and time.monotonic() < deadline:
            time.sleep(0.1)
            live = self.live_job_ids()
        return live

    def cancel_all(self) -> None:
        """Cancel every job (between tests), and wait for the node to be free."""
        self.run("scancel", "--full", "--user", "root", check=False)
        self.wait_queue_empty()

    def stop_controller(self) -> None:
        """Stop slurmctld alone (a controller that went down while jobs run)."""
        self._stop("slurmctld")

    def start_controller(self) -> None:
        """Start slurmctld again, keeping its saved state (the jobs come back)."""
        self._start("slurmctld", ["/usr/sbin/slurmctld", "-D", "-f", self.conf])
        self._wait_ready()

    def stop(self) -> None:
        """Stop every daemon, slurmd and slurmctld before munged, and wait for each."""
        for name in ("slurmd", "slurmctld", "munged"):
            self._stop(name)

    # -- the daemons ----------------------------------------------------------------------

    def _start(self, name: str, argv: list[str]) -> None:
        log = open(os.path.join(self.directory, "log", f"{name}.out"), "ab")  # noqa: SIM115
        with log:
            self.processes[name] = subprocess.Popen(
                argv, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def _stop(self, name: str) -> None:
        proc = self.processes.pop(name, None)
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)

    def _wait_ready(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            for name, proc in self.processes.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}: {self._log(name)}")
            done = self.run("sinfo", "-h", "-N", "-o", "%T", check=False)
            last = (done.stdout + done.stderr).strip()
            if done.returncode == 0 and last.startswith("idle"):
                return
            time.sleep(0.05)
        raise RuntimeError(f"the node did not become idle in {timeout:g} s: {last!r}")

    def _log(self, name: str) -> str:
        path = os.path.join(self.directory, "log", f"{name}.out")
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                return handle.read()[-2000:]
        except OSError:
            return ""


def _why_not() -> str | None:
    for daemon in DAEMONS:
        if not os.path.exists(f"/usr/sbin/{daemon}"):
            return f"/usr/sbin/{daemon} is not installed (Debian's slurm-wlm and munge)"
    for client in ("sbatch", "squeue", "scancel", "scontrol", "sinfo"):
        if shutil.which(client) is None:
            return f"the Slurm client command {client} is not on PATH"
    if os.geteuid() != 0:
        return "a test Slurm needs root (slurmd runs jobs as their users)"
    return None


def _config(directory: str, node: str) -> str:
    return f"""\
ClusterName=jobtui-test
SlurmctldHost={node}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket={directory}/munge/munge.socket
StateSaveLocation={directory}/state
SlurmdSpoolDir={directory}/spool
SlurmctldPidFile={directory}/slurmctld.pid
SlurmdPidFile={directory}/slurmd.pid
SlurmctldLogFile={directory}/log/slurmctld.log
SlurmdLogFile={directory}/log/slurmd.log
SlurmctldPort={_free_port()}
SlurmdPort={_free_port()}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=100
ReturnToService=2
MpiDefault=none
SchedulerType=sched/backfill
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MinJobAge=300
KillWait=2
InactiveLimit=0
NodeName={node} NodeAddr=127.0.0.1 CPUs={CPUS} RealMemory={MEMORY_MB} State=UNKNOWN
PartitionName={PARTITION} Nodes={node} Default=YES MaxTime=INFINITE State=UP
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
"""


def start_cluster(directory: str) -> SlurmCluster:
    """Write the config, start munged, slurmctld and slurmd, and wait until the node is idle."""
    node = socket.gethostname().split(".")[0]
    for sub in ("state", "spool", "log", "munge"):
        os.makedirs(os.path.join(directory, sub), exist_ok=True)
    conf = os.path.join(directory, "slurm.conf")
    with open(conf, "w", encoding="utf-8") as handle:
        handle.write(_config(directory, node))
    cluster = SlurmCluster(directory=directory, conf=conf, node=node)
    munge = os.path.join(directory, "munge")
    key = os.path.join(munge, "munge.key")
    with open(key, "wb") as handle:
        handle.write(os.urandom(1024))
    os.chmod(key, 0o400)
    os.chmod(munge, 0o700)
    socket_path = os.path.join(munge, "munge.socket")
    cluster._start(
        "munged",
        [
            "/usr/sbin/munged",
            "--foreground",
            "--force",
            f"--key-file={key}",
            f"--socket={socket_path}",
            f"--pid-file={munge}/munged.pid",
            f"--log-file={munge}/munged.log",
            f"--seed-file={munge}/munged.seed",
        ],
    )
    deadline = time.monotonic() + 10
    while not os.path.exists(socket_path) and time.monotonic() < deadline:
        time.sleep(0.02)
    cluster._start("slurmctld", ["/usr/sbin/slurmctld", "-D", "-i", "-f", conf])
    cluster._start("slurmd", ["/usr/sbin/slurmd", "-D", "-f", conf])
    try:
        cluster._wait_ready()
    except RuntimeError:
        cluster.stop()
        raise
    return cluster


@pytest.fixture(scope="session")
def slurm_cluster() -> Iterator[SlurmCluster]:
    """A one-node Slurm for the whole session, or a skip that says why there is none."""
    why = _why_not()
    if why is not None:
        pytest.skip(why)
    directory = tempfile.mkdtemp(prefix="jobtui-slurm-")
    try:
        cluster = start_cluster(directory)
    except (OSError, RuntimeError, subprocess.SubprocessError) as error:
        shutil.rmtree(directory, ignore_errors=True)
        pytest.skip(f"a test Slurm could not be started: {error}")
    try:
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(directory, ignore_errors=True)
