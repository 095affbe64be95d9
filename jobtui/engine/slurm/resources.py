"""Start-Job -Resources for a Slurm job: checked, then turned into sbatch's own options.

The names are a Slurm user's (Partition, Cpus, Memory, Gpus, Time, Nodes); any other name is
passed through as ``--name=value`` for sbatch to judge, and ``Sbatch`` takes raw options
(``'--exclusive --qos=long'``). A value Slurm would refuse is refused here first, in one line.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass

from jobtui.engine.errors import JobError

_MEMORY = re.compile(r"^[1-9][0-9]*[KMGT]?$", re.IGNORECASE)
# sbatch --time: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS.
_TIME = re.compile(r"^(?:\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d+(?::\d{1,2}){0,2})$")
_OPTION_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]*$")


class ResourceError(JobError):
    """A -Resources value that Slurm would not take."""


def _fail(what: str) -> ResourceError:
    return ResourceError(f"Cannot validate argument on parameter 'Resources'. {what}")


def _count(name: str, value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise _fail(f"{name} '{value}' is not a whole number of at least 1.")
    return int(value)


@dataclass(frozen=True)
class Resources:
    """What a job asks the scheduler for, as sbatch options, and the memory and time asked."""

    options: tuple[str, ...] = ()
    memory: str = ""
    time: str = ""


def parse_resources(given: Mapping[str, object]) -> Resources:
    """-Resources checked and mapped; ResourceError names the first bad value."""
    options: list[str] = []
    memory = time = ""
    for key, raw in given.items():
        name = str(key).strip()
        value = str(raw).strip()
        lower = name.lower()
        if not value and lower != "sbatch":
            raise _fail(f"{name} has no value.")
        if lower == "partition":
            if any(c.isspace() for c in value):
                raise _fail(f"Partition '{value}' is not a partition name.")
            options.append(f"--partition={value}")
        elif lower == "cpus":
            options.append(f"--cpus-per-task={_count(name, value)}")
        elif lower == "gpus":
            options.append(f"--gpus={_count(name, value)}")
        elif lower == "nodes":
            options.append(f"--nodes={_count(name, value)}")
        elif lower == "memory":
            if not _MEMORY.match(value):
                raise _fail(
                    f"Memory '{value}' is not a Slurm memory size (a number with K, M, G or T, "
                    "such as 16G)."
                )
            memory = value.upper()
            options.append(f"--mem={memory}")
        elif lower == "time":
            if not _TIME.match(value) or value.strip("0:-") == "":
                raise _fail(
                    f"Time '{value}' is not a Slurm time limit (minutes, HH:MM:SS or "
                    "D-HH:MM:SS, such as 02:00:00)."
                )
            time = value
            options.append(f"--time={value}")
        elif lower == "sbatch":
            try:
                extra = shlex.split(value)
            except ValueError as error:
                raise _fail(f"Sbatch '{value}' cannot be split into options: {error}.") from None
            for option in extra:
                if not option.startswith("-"):
                    raise _fail(f"Sbatch '{option}' is not an option (options start with -).")
            options.extend(extra)
        elif _OPTION_NAME.match(name):
            options.append(f"--{lower}={value}")
        else:
            raise _fail(f"'{name}' is not an sbatch option name.")
    return Resources(tuple(options), memory, time)


def resources_from_words(words: list[str]) -> dict[str, str]:
    """``Partition=gpu``, ``Cpus=4``... (what a command line gives) as a mapping."""
    found: dict[str, str] = {}
    for word in words:
        name, sep, value = word.partition("=")
        if not sep or not name.strip():
            raise _fail(f"'{word}' is not Name=Value (such as Partition=gpu or Memory=16G).")
        found[name.strip()] = value
    return found
