"""A Slurm job's output files, read by byte cursor into its transcript.

sbatch writes stdout and stderr to two files (``-o``/``-e``) on a directory the nodes share.
Each poll reads what each file gained since its cursor, stdout first, so the transcript keeps
arrival order as far as two files allow (within one poll, lines of the two streams cannot be
ordered). Whole lines are committed at once; a partial line waits as a local job's does.
"""

from __future__ import annotations

import contextlib
import os
import time

from jobtui.engine.output import LineAssembler, OutputStore, Stream

#: Bytes read from one file per poll: a flood is taken in slices, not all in one call.
_READ_LIMIT = 4 * 1024 * 1024


class OutputFiles:
    """The job's ``.out``, ``.err`` (and ``.in``) files, and how far each has been read."""

    def __init__(self, directory: str, stem: str) -> None:
        self.stdout = os.path.join(directory, f"{stem}.out")
        self.stderr = os.path.join(directory, f"{stem}.err")
        self.stdin = os.path.join(directory, f"{stem}.in")
        self._paths = {Stream.Output: self.stdout, Stream.Error: self.stderr}
        self._cursors = {Stream.Output: 0, Stream.Error: 0}
        self._assemblers = {Stream.Output: LineAssembler(), Stream.Error: LineAssembler()}

    def read_into(
        self, store: OutputStore, *, final: bool = False, cursor: int | None = None
    ) -> tuple[bool, bool]:
        """Append what the files gained to ``store``: whether anything was added, and whether
        the Receive cursor ``cursor`` (a byte offset: a re-adopted job's) was put back, which
        happens once the store reaches it. With ``final`` (the job finished) read to the end
        and commit partial lines too."""
        placed = False
        added = False
        now = time.time()
        for stream, path in self._paths.items():
            assembler = self._assemblers[stream]
            while True:
                data = self._read(stream, path)
                ready = assembler.feed(data, now) if data else b""
                if not data and assembler.pending_since is not None:
                    if final:
                        ready = assembler.flush(final=True)
                    elif now - assembler.pending_since >= LineAssembler.FLUSH_SECONDS:
                        ready = assembler.flush()
                if ready:
                    if cursor is not None and not placed and store.size < cursor:
                        cut = cursor - store.size
                        if cut <= len(ready):  # the cursor falls here: a record on each side
                            store.append(stream, ready[:cut], now)
                            store.restore_cursor(cursor)
                            placed = True
                            ready = ready[cut:]
                    store.append(stream, ready, now)
                    added = True
                if not (final and data):
                    break
        if cursor is not None and not placed and (final or store.size >= cursor):
            store.restore_cursor(cursor)  # at the start, or less came back than was received
            placed = True
        return added, placed

    def _read(self, stream: Stream, path: str) -> bytes:
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            return b""  # not created yet (the job has not started)
        try:
            data = os.pread(fd, _READ_LIMIT, self._cursors[stream])
        except OSError:
            data = b""
        finally:
            os.close(fd)
        self._cursors[stream] += len(data)
        return data

    def remove(self) -> None:
        """Delete the files (they are jobtui's own: it named them)."""
        for path in (self.stdout, self.stderr, self.stdin):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
