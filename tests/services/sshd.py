"""A real OpenSSH sshd on loopback for the SSH Location's tests, with host-key checking on.

The server gets its own config (a free port, ``ListenAddress 127.0.0.1``, its own host key,
``AuthorizedKeysFile`` in a temporary directory, ``UsePAM no``, ``StrictModes no``) and the
client its own ``ssh_config`` with the server's key in a temporary ``known_hosts``. Jobs log in
as a non-root test user: the agent must never rely on what only root may do, and OpenSSH
refuses signal requests for root sessions. Where sshd or root is missing, the tests skip and
say why.

Host aliases in the client config (all reach the one server unless said):

- ``sshtest1``, ``sshtest2``: two "machines" for multi-host jobs;
- ``sshtest-unknown``: the server with an empty known_hosts, so its key is unknown;
- ``sshtest-refused``: a port where nothing listens;
- ``sshtest-changed``: the server with another key in known_hosts (a changed host key);
- ``sshtest-badkey``: a key the server does not accept (a failed authentication);
- ``sshtest-nopython``: a key whose sessions have a PATH with no python3 on it (the
  authorized_keys ``environment=`` option, allowed for PATH and XDG_STATE_HOME alone);
- ``sshtest-full``: a key whose sessions keep their state in ``full_state_dir``, where a test
  may mount a tiny, filled tmpfs (a remote disk that is full).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass

import psutil
import pytest

SSHD = "/usr/sbin/sshd"
TEST_USER = "jobtui-ssh-test"
HOSTS = ("sshtest1", "sshtest2")
UNKNOWN_KEY_HOST = "sshtest-unknown"
REFUSED_HOST = "sshtest-refused"
CHANGED_KEY_HOST = "sshtest-changed"
BAD_KEY_HOST = "sshtest-badkey"
NO_PYTHON_HOST = "sshtest-nopython"
FULL_DISK_HOST = "sshtest-full"


@dataclass
class SshServer:
    """A running sshd and the client config that reaches it."""

    config_file: str
    user: str
    port: int
    log_file: str
    directory: str

    @property
    def full_state_dir(self) -> str:
        """The state directory (XDG_STATE_HOME) of ``sshtest-full``'s sessions."""
        return os.path.join(self.directory, "full")

    @contextlib.contextmanager
    def full_disk(self) -> Iterator[str]:
        """``sshtest-full``'s state directory on a tmpfs with no room left (no inode free),
        for the block's length; Unavailable where tmpfs cannot be mounted."""
        path = self.full_state_dir
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k,nr_inodes=8,mode=0755", "tmpfs", path],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise Unavailable(f"cannot mount a small tmpfs: {done.stderr.strip()}")
        try:
            user = pwd.getpwnam(self.user)
            # The agent's own directories, then files until no inode is left.
            remote = os.path.join(path, "jobtui", "remote")
            os.makedirs(remote)
            for each in (path, os.path.dirname(remote), remote):
                os.chown(each, user.pw_uid, user.pw_gid)
            for number in range(64):
                try:
                    open(os.path.join(remote, f"filler{number}"), "wb").close()
                except OSError:
                    break
            yield path
        finally:
            subprocess.run(["umount", "-l", path], capture_output=True)

    def user_processes(self) -> list[psutil.Process]:
        """The test user's processes other than sshd's own (what a job could leave behind)."""
        uid = pwd.getpwnam(self.user).pw_uid
        found = []
        for proc in psutil.process_iter(["uids", "name"]):
            with contextlib.suppress(psutil.Error):
                uids = proc.info["uids"]
                if uids and uids.real == uid and proc.info["name"] != "sshd":
                    found.append(proc)
        return found

    def user_process_names(self) -> list[str]:
        """The names of the test user's processes (those that end meanwhile left out)."""
        return [name for _, name in self._named()]

    def user_processes_named(self, name: str) -> list[psutil.Process]:
        """The test user's processes called ``name``."""
        return [proc for proc, each in self._named() if each == name]

    def _named(self) -> list[tuple[psutil.Process, str]]:
        named = []
        for proc in self.user_processes():
            with contextlib.suppress(psutil.Error):
                named.append((proc, proc.name()))
        return named

    def remote_job_directories(self) -> list[str]:
        """The job directories the agent keeps in the test user's state directory."""
        root = os.path.join(pwd.getpwnam(self.user).pw_dir, ".local/state/jobtui/remote")
        return sorted(os.listdir(root)) if os.path.isdir(root) else []

    def remove_job_directory(self, name: str) -> None:
        """Delete one job's directory on the "remote" side, as the agent does when a lease ends."""
        root = os.path.join(pwd.getpwnam(self.user).pw_dir, ".local/state/jobtui/remote")
        shutil.rmtree(os.path.join(root, name))

    def wait_no_user_processes(self, timeout: float = 10.0) -> list[psutil.Process]:
        """Wait until the test user runs nothing (the agent's calls end too); what is left."""
        deadline = time.monotonic() + timeout
        left = self.user_processes()
        while left and time.monotonic() < deadline:
            time.sleep(0.05)
            left = self.user_processes()
        return left

    def kill_user_processes(self) -> None:
        """End whatever the test user still runs (between tests)."""
        for proc in self.user_processes():
            with contextlib.suppress(psutil.Error):
                proc.kill()


def _why_not() -> str | None:
    if not os.path.exists(SSHD):
        return f"{SSHD} is not installed (Debian's openssh-server)"
    if shutil.which("ssh") is None:
        return "the ssh client is not installed"
    if os.geteuid() != 0:
        return "running sshd for the tests needs root (to log in as a test user)"
    return None


def _ensure_user() -> None:
    try:
        pwd.getpwnam(TEST_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--create-home", "--shell", "/bin/sh", TEST_USER],
            check=True,
            capture_output=True,
        )
    # useradd leaves the account locked ("!"), which sshd without PAM refuses even for a key;
    # "*" unlocks it with no password that could ever match.
    subprocess.run(["usermod", "-p", "*", TEST_USER], check=True, capture_output=True)
    # What an interrupted earlier run left on the "remote" side (a job directory named as a test
    # names its job would refuse that test's start): each run starts from an empty state.
    state = os.path.join(pwd.getpwnam(TEST_USER).pw_dir, ".local/state/jobtui")
    shutil.rmtree(state, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _keygen(path: str) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", path], check=True, capture_output=True
    )


def _write(path: str, text: str, mode: int = 0o644) -> None:
    with open(path, "w") as handle:
        handle.write(text)
    os.chmod(path, mode)


class Unavailable(Exception):
    """sshd cannot run here; the message says why (the tests skip with it)."""


@contextlib.contextmanager
def running_sshd() -> Iterator[SshServer]:
    """A real sshd on 127.0.0.1 for the block's length (the tests' fixture, the benchmarks)."""
    why = _why_not()
    if why is not None:
        raise Unavailable(why)
    try:
        _ensure_user()
    except (OSError, subprocess.CalledProcessError) as error:
        raise Unavailable(f"cannot create the test user {TEST_USER}: {error}") from None
    # Not pytest's tmp_path: that is private to root, and sshd reads the authorized keys as the
    # test user.
    directory = tempfile.mkdtemp(prefix="jobtui-sshd-")
    os.chmod(directory, 0o755)
    host_key = os.path.join(directory, "hostkey")
    client_key = os.path.join(directory, "id")
    other_host_key = os.path.join(directory, "otherhostkey")
    keys = {name: os.path.join(directory, f"id-{name}") for name in ("bad", "nopython", "full")}
    for path in (host_key, client_key, other_host_key, *keys.values()):
        _keygen(path)
    os.makedirs(os.path.join(directory, "full"), mode=0o755)

    def public(path: str) -> str:
        with open(path + ".pub") as handle:
            return handle.read().strip()

    _write(
        os.path.join(directory, "authorized_keys"),
        f"{public(client_key)}\n"
        f'environment="PATH=/nonexistent" {public(keys["nopython"])}\n'
        f'environment="XDG_STATE_HOME={directory}/full" {public(keys["full"])}\n',
    )
    port = _free_port()
    log_file = os.path.join(directory, "sshd.log")
    pid_file = os.path.join(directory, "sshd.pid")
    _write(
        os.path.join(directory, "sshd_config"),
        f"""Port {port}
ListenAddress 127.0.0.1
HostKey {host_key}
PidFile {pid_file}
AuthorizedKeysFile {directory}/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
PermitUserEnvironment PATH,XDG_STATE_HOME
StrictModes no
MaxSessions 100
MaxStartups 100:30:200
""",
    )
    with open(host_key + ".pub") as handle:
        key_type, key_text = handle.read().split()[:2]
    known_hosts = os.path.join(directory, "known_hosts")
    _write(known_hosts, f"[127.0.0.1]:{port} {key_type} {key_text}\n")
    _write(os.path.join(directory, "empty_known_hosts"), "")
    with open(other_host_key + ".pub") as handle:
        other_type, other_text = handle.read().split()[:2]
    changed_known_hosts = os.path.join(directory, "changed_known_hosts")
    _write(changed_known_hosts, f"[127.0.0.1]:{port} {other_type} {other_text}\n")

    def common_with(key: str) -> str:
        return f"""    HostName 127.0.0.1
    User {TEST_USER}
    IdentityFile {key}
    IdentitiesOnly yes
    GlobalKnownHostsFile /dev/null
"""

    common = common_with(client_key)
    blocks = [
        f"Host {name}\n{common}    Port {port}\n    UserKnownHostsFile {known_hosts}\n"
        for name in HOSTS
    ]
    blocks.append(
        f"Host {UNKNOWN_KEY_HOST}\n{common}    Port {port}\n"
        f"    UserKnownHostsFile {directory}/empty_known_hosts\n"
    )
    blocks.append(
        f"Host {REFUSED_HOST}\n{common}    Port {_free_port()}\n"
        f"    UserKnownHostsFile {known_hosts}\n"
    )
    blocks.append(
        f"Host {CHANGED_KEY_HOST}\n{common}    Port {port}\n"
        f"    UserKnownHostsFile {changed_known_hosts}\n"
    )
    for alias, key in (
        (BAD_KEY_HOST, keys["bad"]),
        (NO_PYTHON_HOST, keys["nopython"]),
        (FULL_DISK_HOST, keys["full"]),
    ):
        blocks.append(
            f"Host {alias}\n{common_with(key)}    Port {port}\n"
            f"    UserKnownHostsFile {known_hosts}\n"
        )
    config_file = os.path.join(directory, "ssh_config")
    _write(config_file, "\n".join(blocks), 0o600)
    os.makedirs("/run/sshd", exist_ok=True)
    started = subprocess.run(
        [SSHD, "-f", os.path.join(directory, "sshd_config"), "-E", log_file],
        capture_output=True,
        text=True,
    )
    if started.returncode != 0:
        raise Unavailable(f"sshd did not start: {started.stderr.strip() or started.returncode}")
    deadline = time.monotonic() + 10
    while True:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        if time.monotonic() > deadline:
            raise Unavailable("sshd did not listen within 10 s")
        time.sleep(0.05)
    server = SshServer(config_file, TEST_USER, port, log_file, directory)
    try:
        yield server
    finally:
        with contextlib.suppress(OSError, ValueError), open(pid_file) as handle:
            os.kill(int(handle.read().strip()), 15)
        server.kill_user_processes()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def sshd() -> Iterator[SshServer]:
    """The sshd for the whole test session; the tests that use it skip when it cannot run."""
    try:
        with running_sshd() as server:
            yield server
    except Unavailable as why:
        pytest.skip(str(why))
