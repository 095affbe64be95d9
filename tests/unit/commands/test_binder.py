"""Parameter binding: names, aliases, prefixes, positions by type, sets, conversions."""

from __future__ import annotations

import re
import threading
import uuid

import pytest

from jobtui.commands import CommandError
from jobtui.commands.binding import bind
from jobtui.commands.cmdlets import GET_JOB, RECEIVE_JOB, START_JOB, WAIT_JOB
from jobtui.commands.declaration import BoundCommand, resolve_parameter
from jobtui.commands.parser import parse
from jobtui.commands.preflight import check_line, constant
from jobtui.commands.registry import cmdlets, command_names, find_cmdlet
from jobtui.commands.syntax import CommandCall, Expression, Pipeline, VariableExpression
from jobtui.commands.values import ScriptBlock
from jobtui.engine import Job, JobState


def _call(line: str) -> CommandCall:
    (statement,) = parse(line).statements
    assert isinstance(statement.body, Pipeline)
    call = statement.body.elements[-1]
    assert isinstance(call, CommandCall)
    return call


def _bind(
    line: str, variables: dict[str, object] | None = None, has_input: bool = False
) -> BoundCommand:
    values = variables or {}

    def evaluate(expression: Expression) -> object:
        if isinstance(expression, VariableExpression):
            return values[expression.name]
        return constant(expression)

    return bind(_call(line), evaluate, has_input=has_input)


def _job(job_id: int = 1) -> Job:
    return Job(id=job_id, command="true", lock=threading.RLock(), on_state_changed=lambda *a: None)


def test_every_alias_names_its_cmdlet() -> None:
    aliases = {
        "sajb": "Start-Job",
        "gjb": "Get-Job",
        "rcjb": "Receive-Job",
        "wjb": "Wait-Job",
        "spjb": "Stop-Job",
        "rjb": "Remove-Job",
        "sujb": "Suspend-Job",
        "rujb": "Resume-Job",
        "fl": "Format-List",
        "ft": "Format-Table",
    }
    for alias, name in aliases.items():
        cmdlet = find_cmdlet(alias.upper())
        assert cmdlet is not None and cmdlet.name == name
    assert find_cmdlet("start-threadjob") is not None
    assert find_cmdlet("Get-Process") is None  # the engine's built-in, run as a job
    assert set(aliases) <= set(command_names())


def test_parameter_resolution() -> None:
    assert resolve_parameter(WAIT_JOB, "ti").name == "Timeout"
    assert resolve_parameter(WAIT_JOB, "TimeoutSec").name == "Timeout"
    assert resolve_parameter(WAIT_JOB, "T").name == "Timeout"  # name and alias of one parameter
    assert resolve_parameter(START_JOB, "Command").name == "ScriptBlock"
    assert resolve_parameter(START_JOB, "args").name == "ArgumentList"
    assert resolve_parameter(RECEIVE_JOB, "Cn").name == "ComputerName"
    assert resolve_parameter(GET_JOB, "Inc").name == "IncludeChildJob"
    with pytest.raises(CommandError, match=re.escape("-Id -InstanceId -IncludeChildJob.")):
        resolve_parameter(GET_JOB, "I")
    with pytest.raises(CommandError, match=re.escape("Possible matches include: -Id -InstanceId.")):
        resolve_parameter(WAIT_JOB, "I")


def test_every_cmdlet_has_a_parameter_table_without_duplicate_names() -> None:
    for cmdlet in cmdlets():
        names = [n.lower() for p in cmdlet.parameters for n in (p.name, *p.aliases)]
        per_set = {s: [p.name for p in cmdlet.parameters if p.in_set(s)] for s in cmdlet.sets}
        for set_name, members in per_set.items():
            assert len(members) == len(set(members)), (cmdlet.name, set_name)
        assert cmdlet.default_set in cmdlet.sets
        assert len(set(names)) == len(cmdlet.by_name)


@pytest.mark.parametrize(
    ("line", "set_name", "name", "value"),
    [
        ("Get-Job 3", "Id", "Id", [3]),
        ("Get-Job 1,3", "Id", "Id", [1, 3]),
        ("Get-Job Job3", "Name", "Name", ["Job3"]),
        ("Get-Job '3'", "Name", "Name", ["3"]),
        ("Get-Job -State running", "State", "State", JobState.Running),
        ("Get-Job -HasMoreData 0", "Id", "HasMoreData", False),
        ("Wait-Job 1 -Timeout 2", "Id", "Timeout", 2),
        ("Start-Job {make}", "ScriptBlock", "ScriptBlock", ScriptBlock("make")),
        ("Start-Job ./build.sh", "FilePath", "FilePath", "./build.sh"),
        ("Start-Job -Args a,1 {x}", "ScriptBlock", "ArgumentList", ["a", 1]),
        ("Receive-Job 1 -Keep:$false", "Id", "Keep", False),
    ],
)
def test_binding_by_name_and_position(line: str, set_name: str, name: str, value: object) -> None:
    bound = _bind(line, {"false": False})

    assert bound.set_name == set_name
    assert bound.get(name) == value


def test_second_positional_binds_position_one() -> None:
    bound = _bind("Start-Job {main} {init}")

    assert bound.get("ScriptBlock") == ScriptBlock("main")
    assert bound.get("InitializationScript") == ScriptBlock("init")


def test_a_job_object_binds_job_and_a_guid_binds_instance_id() -> None:
    job = _job()
    by_job = _bind("Stop-Job $job", {"job": job})
    by_guid = _bind("Stop-Job $g", {"g": job.instance_id})
    by_text = _bind(f"Stop-Job -InstanceId {job.instance_id}")

    assert (by_job.set_name, by_job.get("Job")) == ("Job", [job])
    assert (by_guid.set_name, by_guid.get("InstanceId")) == ("InstanceId", [job.instance_id])
    assert by_text.get("InstanceId") == [uuid.UUID(str(job.instance_id))]


def test_a_job_given_to_get_job_means_its_id() -> None:
    assert _bind("Get-Job $job", {"job": _job(5)}).get("Id") == [5]


def test_pipeline_input_selects_the_job_set() -> None:
    bound = _bind("Receive-Job -Keep", has_input=True)

    assert bound.set_name == "Location"
    assert not bound.has("Job")


def test_conversion_errors_at_run_time() -> None:
    with pytest.raises(CommandError, match=r"Cannot convert the \"Job1\" value of type"):
        _bind("Stop-Job -Job $x", {"x": "Job1"})
    with pytest.raises(CommandError, match="because it is null"):
        _bind("Stop-Job -Job $nothing", {"nothing": None})
    with pytest.raises(CommandError, match=re.escape("Cannot convert 'System.Object[]'")):
        _bind("Start-Job {x} -Name $names", {"names": ["a", "b"]})


def test_check_line_finds_errors_before_anything_runs() -> None:
    check_line(parse("Stop-Job $job; Receive-Job -Job $job -Keep"))  # variables: decided later
    with pytest.raises(CommandError, match="'Foo'"):
        check_line(parse("Stop-Job $job -Foo"))
    with pytest.raises(CommandError, match="Cannot bind parameter 'Timeout'"):
        check_line(parse("Wait-Job $job -Timeout soon"))
    with pytest.raises(CommandError, match="'Bogus'"):
        check_line(parse("Receive-Job (Get-Job -Bogus)"))
    with pytest.raises(CommandError, match="not recognized"):
        check_line(parse("Remove-Jobs 1"))
