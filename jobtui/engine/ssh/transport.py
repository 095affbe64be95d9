"""The SSH transport: the user's own OpenSSH client, multiplexed over one connection per host.

The system ``ssh`` reads the user's ``~/.ssh/config``, so ProxyJump, the agent, keys, FIDO
tokens and certificates all work as in their shell, and host keys are checked as that config
says: nothing here turns checking off. ``BatchMode=yes`` makes a prompt (a password, an
unknown host key) fail at once with ssh's own one-line message instead of hanging a job.

A master connection per host (``-M -N -f`` with ``ControlPersist``) stays open in the
background: measured on loopback, the first command paid 0.36 s for the handshake and each
later one about 5 ms. The control sockets live in a private directory of this session. The
master is started on its own, with its stderr in a file, rather than by ``ControlMaster=auto``
from a command: a master forked that way keeps the command's stderr pipe open, and a caller
that reads it to the end waits for as long as the master lives.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from jobtui.engine.ssh.target import SshTarget

#: A config file for ssh's ``-F`` (jobtui's own; the tests point it at their own server).
CONFIG_VARIABLE = "JOBTUI_SSH_CONFIG"
#: ssh's exit status for its own errors (a remote command's status is passed through).
SSH_ERROR = 255
#: ssh's last line when it refuses a host's key.
HOST_KEY_FAILED = "Host key verification failed."
#: Seconds to reach a host before the attempt fails; a dead host must not hang a job.
CONNECT_TIMEOUT = 10
#: Seconds the shared connection stays open after its last use.
CONTROL_PERSIST = 60


class TransportError(Exception):
    """ssh could not run the command on the host: the message is ssh's own last line."""


@dataclass(frozen=True)
class Completed:
    """What a remote command gave back."""

    returncode: int
    stdout: bytes
    stderr: bytes

    @property
    def error_line(self) -> str:
        """The last non-empty line of stderr: what ssh (or the remote shell) said last."""
        lines = [line.strip() for line in self.stderr.decode("utf-8", "replace").splitlines()]
        lines = [line for line in lines if line]
        if not lines:
            return f"ssh exited with status {self.returncode}"
        last = lines[-1]
        if last == HOST_KEY_FAILED:
            # ssh says why before it: an unknown key under StrictHostKeyChecking=yes, or a
            # changed one ("Host key for ... has changed and you have requested strict checking").
            why = next((line for line in reversed(lines) if "strict checking" in line), None)
            if why is not None:
                return f"{last.rstrip('.')}: {why}"
        return last


class Transport:
    """Runs commands on one host through the system ssh, sharing one master connection."""

    def __init__(self, target: SshTarget, *, config_file: str | None = None) -> None:
        self.target = target
        self.config_file = config_file or os.environ.get(CONFIG_VARIABLE) or None
        # Unix socket paths are short (108 bytes): a short private directory, made when the
        # first connection is.
        self._control_dir: str | None = None
        self._ssh = shutil.which("ssh")
        self._master_lock = threading.Lock()

    def _argv(self, *extra: str) -> list[str]:
        if self._ssh is None:
            raise TransportError("ssh: the OpenSSH client (ssh) is not installed here.")
        target = self.target
        argv = [self._ssh]
        if self.config_file:
            argv += ["-F", self.config_file]
        argv += [
            "-o", "BatchMode=yes",
            "-o", f"ConnectTimeout={CONNECT_TIMEOUT}",
            "-o", f"ControlPath={self._socket}",
            "-o", f"ControlPersist={CONTROL_PERSIST}",
            "-o", "ServerAliveInterval=5",
            "-o", "ServerAliveCountMax=3",
            "-o", "LogLevel=ERROR",
        ]  # fmt: skip
        for name, value in target.options:
            argv += ["-o", f"{name}={value}"]
        if target.user:
            argv += ["-l", target.user]
        if target.port is not None:
            argv += ["-p", str(target.port)]
        if target.key_file:
            argv += ["-i", target.key_file]
        return [*argv, *extra]

    @property
    def control_path(self) -> str | None:
        """The shared connection's socket, once one was made (None before)."""
        return self._socket if self._control_dir is not None else None

    @property
    def _socket(self) -> str:
        if self._control_dir is None:
            self._control_dir = tempfile.mkdtemp(prefix="jobtui-ssh-")
        return os.path.join(self._control_dir, "master")

    def connect(self) -> None:
        """Open the shared connection unless it is open; ssh's failure raises, in its words."""
        with self._master_lock:
            if os.path.exists(self._socket):
                return
            argv = self._argv("-M", "-N", "-f", "-o", f"ControlPersist={CONTROL_PERSIST}")
            argv += ["--", self.target.host]
            with tempfile.TemporaryFile() as errors:
                try:
                    done = subprocess.run(
                        argv,
                        stdin=subprocess.DEVNULL,
                        stdout=subprocess.DEVNULL,
                        stderr=errors,
                        timeout=CONNECT_TIMEOUT * 3,
                        check=False,
                    )
                except subprocess.TimeoutExpired:
                    raise TransportError(
                        f"ssh: no connection to {self.target.host} within {CONNECT_TIMEOUT * 3} s"
                    ) from None
                except OSError as error:
                    raise TransportError(
                        f"ssh: cannot run ssh: {error.strerror or error}"
                    ) from None
                errors.seek(0)
                said = errors.read()
            if done.returncode != 0:
                raise TransportError(Completed(done.returncode, b"", said).error_line)

    def run(
        self,
        words: list[str],
        *,
        input: bytes = b"",
        timeout: float = 60.0,
        reader: Callable[[IO[bytes]], None] | None = None,
    ) -> Completed:
        """Run ``words`` (quoted for the remote shell) on the host; ssh's failures raise.

        A remote command's own non-zero status comes back in ``returncode``; only ssh's own
        error (status 255: no route, refused, a key not accepted) raises TransportError.
        With ``reader``, the command's output goes to it as a stream while it comes (a poll's
        output is stored piece by piece, never held whole) and ``stdout`` comes back empty.
        """
        self.connect()
        # ControlMaster=no: a command never becomes a master itself (see above); if the master
        # died meanwhile, the command connects on its own and the next one restarts the master.
        argv = self._argv(
            "-T",
            "-o",
            "ControlMaster=no",
            "--",
            self.target.host,
            " ".join(shlex.quote(w) for w in words),
        )
        if reader is not None:
            return self._streamed(argv, input, timeout, reader)
        try:
            done = subprocess.run(
                argv, input=input, capture_output=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            raise TransportError(
                f"ssh: no answer from {self.target.host} within {timeout:g} s"
            ) from None
        except OSError as error:
            raise TransportError(f"ssh: cannot run ssh: {error.strerror or error}") from None
        result = Completed(done.returncode, done.stdout, done.stderr)
        if done.returncode == SSH_ERROR:
            raise TransportError(result.error_line)
        return result

    def _streamed(
        self, argv: list[str], input: bytes, timeout: float, reader: Callable[[IO[bytes]], None]
    ) -> Completed:
        """``argv`` with its output read by ``reader`` as it comes; its stderr goes to a file
        (nothing to drain beside), and a timer kills it at ``timeout``."""
        with tempfile.TemporaryFile() as errors:
            try:
                proc = subprocess.Popen(
                    argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors
                )
            except OSError as error:
                raise TransportError(f"ssh: cannot run ssh: {error.strerror or error}") from None
            timer = threading.Timer(timeout, proc.kill)
            timer.start()
            try:
                assert proc.stdin is not None and proc.stdout is not None
                # The agent reads all of its input before it writes: no deadlock.
                with contextlib.suppress(BrokenPipeError):
                    proc.stdin.write(input)
                    proc.stdin.close()
                try:
                    reader(proc.stdout)
                finally:
                    while proc.stdout.read(1 << 16):
                        pass  # what the reader left, so that ssh can exit
                    proc.stdout.close()
                    returncode = proc.wait()
            finally:
                expired = not timer.is_alive()
                timer.cancel()
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
            errors.seek(0)
            result = Completed(returncode, b"", errors.read())
        if expired and returncode < 0:
            raise TransportError(f"ssh: no answer from {self.target.host} within {timeout:g} s")
        if returncode == SSH_ERROR:
            raise TransportError(result.error_line)
        return result

    def close(self) -> None:
        """Close the shared connection and remove the control directory."""
        if self._ssh is not None and self._control_dir and os.path.exists(self._socket):
            with contextlib.suppress(OSError, subprocess.TimeoutExpired):
                subprocess.run(
                    self._argv("-O", "exit", self.target.host),
                    capture_output=True,
                    timeout=5,
                    check=False,
                )
        if self._control_dir is not None:
            shutil.rmtree(self._control_dir, ignore_errors=True)
