"""PowerShell's comparison operators and the conversions under them (LanguagePrimitives).

Both forms of Where-Object, Sort-Object, Group-Object and the script-block evaluator compare
through these functions, so ``State -eq 'failed'`` means the same everywhere:

- strings compare without regard to case (the ``-c`` operators with it);
- the right side converts to the left side's type: ``$_.Id -eq '3'`` is true, and a job state
  compares by name (``$_.State -eq 'Failed'``) or by number;
- a list on the left filters: ``1,2,3 -gt 1`` is ``2,3``;
- equality never fails (a value that does not convert is unequal), while ordering a value
  that does not convert is an error, as in PowerShell.
"""

from __future__ import annotations

import enum
import functools
import re
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from jobtui.commands.errors import CommandError
from jobtui.commands.values import PathInfo, ScriptBlock, to_string
from jobtui.engine import Job, JobState, JobStateInfo

Number = int | float


class ConversionError(ValueError):
    """A value that does not convert to the type asked for (PowerShell's message)."""


class Operator(enum.Enum):
    """The comparison operators, by PowerShell's name without the dash and case prefix."""

    EQ = "eq"
    NE = "ne"
    GT = "gt"
    GE = "ge"
    LT = "lt"
    LE = "le"
    LIKE = "like"
    NOTLIKE = "notlike"
    MATCH = "match"
    NOTMATCH = "notmatch"
    CONTAINS = "contains"
    NOTCONTAINS = "notcontains"
    IN = "in"
    NOTIN = "notin"

    @classmethod
    def parse(cls, written: str) -> tuple[Operator, bool] | None:
        """``-ceq`` -> (EQ, case-sensitive); ``-ieq`` and ``-eq`` -> (EQ, not); else None."""
        name = written.lower().lstrip("-")
        case_sensitive = False
        if name[:1] in ("c", "i") and name[1:] in _NAMES:
            case_sensitive = name[0] == "c"
            name = name[1:]
        operator = _NAMES.get(name)
        return None if operator is None else (operator, case_sensitive)


_NAMES = {op.value: op for op in Operator}


text = to_string


# -- truth ------------------------------------------------------------------------------------


def is_true(value: object) -> bool:
    """PowerShell's truth (LanguagePrimitives.IsTrue): $null, 0, '' and an empty list are
    false; a one-item list is its item's truth; any other object is true."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        return value != ""
    if isinstance(value, list | tuple):
        if not value:
            return False
        if len(value) == 1:
            return is_true(value[0])
        return True
    return True


# -- conversions ------------------------------------------------------------------------------

_HEX = re.compile(r"^[+-]?0x[0-9a-f]+$", re.IGNORECASE)
_MULTIPLIERS = {"kb": 1024, "mb": 1024**2, "gb": 1024**3, "tb": 1024**4, "pb": 1024**5}


def to_number(value: object, target: str = "System.Int32") -> Number:
    """``value`` as a number (a string parsed as PowerShell parses one: ``' 12 '``, ``1e3``,
    ``0x1F``, ``4kb``; ``''`` and $null are 0). Raises ConversionError."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, JobState):
        return int(value)
    if isinstance(value, str):
        parsed = parse_number(value)
        if parsed is not None:
            return parsed
    if isinstance(value, list | tuple) and len(value) == 1:
        return to_number(value[0], target)
    raise _cannot_convert(value, target)


def parse_number(written: str) -> Number | None:
    """The number a string spells, or None."""
    stripped = written.strip()
    if not stripped:
        return 0
    multiplier = 1
    suffix = stripped[-2:].lower()
    if suffix in _MULTIPLIERS and len(stripped) > 2:
        multiplier = _MULTIPLIERS[suffix]
        stripped = stripped[:-2]
    try:
        if _HEX.match(stripped):
            return int(stripped, 16) * multiplier
        if re.fullmatch(r"[+-]?\d+", stripped):
            return int(stripped) * multiplier
        number = float(stripped)
    except ValueError:
        return None
    if number != number or stripped.lower().lstrip("+-") in ("inf", "infinity", "nan"):
        return None  # PowerShell does not read these words as numbers
    return number * multiplier


def to_bool(value: object) -> bool:
    """``value`` as a Boolean: PowerShell's truth (so ``'false'`` is true, as in PowerShell)."""
    return is_true(value)


def to_state(value: object) -> JobState:
    """``value`` as a JobState: by name in any case, or by number."""
    if isinstance(value, JobState):
        return value
    if isinstance(value, JobStateInfo):
        return value.state
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return JobState(value)
        except ValueError:
            raise _cannot_convert(value, "System.Management.Automation.JobState") from None
    if isinstance(value, str):
        number = parse_number(value) if value.strip() else None
        if isinstance(number, int):
            return to_state(number)
        try:
            return JobState.parse(value)
        except ValueError:
            pass
    names = ", ".join(s.name for s in JobState)
    raise ConversionError(
        f'Cannot convert value "{text(value)}" to type "System.Management.Automation.JobState". '
        f'Error: "Unable to match the identifier name {text(value)} to a valid enumerator '
        f'name. Specify one of the following enumerator names and try again: {names}"'
    )


def to_datetime(value: object) -> datetime:
    """``value`` as a date (a string in ISO 8601, ``2026-12-01 19:30`` or ``12/01/2026``)."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        written = value.strip()
        try:
            return datetime.fromisoformat(written)
        except ValueError:
            pass
        for layout in ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y"):
            try:
                return datetime.strptime(written, layout)
            except ValueError:
                continue
    raise _cannot_convert(value, "System.DateTime")


def to_guid(value: object) -> uuid.UUID:
    """``value`` as a Guid."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(text(value))
    except ValueError:
        raise _cannot_convert(value, "System.Guid") from None


def _cannot_convert(value: object, target: str) -> ConversionError:
    return ConversionError(
        f'Cannot convert value "{text(value)}" to type "{target}". Error: "The input string '
        f"'{text(value)}' was not in a correct format.\""
    )


def convert_like(template: object, value: object) -> object:
    """``value`` converted to the type of ``template`` (the left side of a comparison);
    raises ConversionError. Objects without a conversion (jobs, records) stay as they are."""
    if isinstance(template, str):
        return text(value)
    if isinstance(template, bool):
        return to_bool(value)
    if isinstance(template, JobState):
        return to_state(value)
    if isinstance(template, int | float):
        return to_number(value, "System.Double" if isinstance(template, float) else "System.Int32")
    if isinstance(template, datetime):
        return to_datetime(value)
    if isinstance(template, uuid.UUID):
        return to_guid(value)
    if isinstance(template, timedelta) and isinstance(value, timedelta):
        return value
    if isinstance(template, ScriptBlock | PathInfo):
        return text(value)
    return value


# -- equality and order -----------------------------------------------------------------------


def _fold(value: str, case_sensitive: bool) -> str:
    return value if case_sensitive else value.casefold()


def equals(left: object, right: object, case_sensitive: bool = False) -> bool:
    """PowerShell's ``left -eq right`` for one left value (LanguagePrimitives.Equals)."""
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, str):
        return _fold(left, case_sensitive) == _fold(text(right), case_sensitive)
    if isinstance(left, Job | JobStateInfo) or not _convertible(left):
        return left is right or left == right
    try:
        converted = convert_like(left, right)
    except ConversionError:
        return False
    if isinstance(left, ScriptBlock | PathInfo):
        return _fold(text(left), case_sensitive) == _fold(str(converted), case_sensitive)
    return bool(left == converted)


_CONVERTIBLE = (bool, int, float, JobState, datetime, timedelta, uuid.UUID, ScriptBlock, PathInfo)


def _convertible(value: object) -> bool:
    return isinstance(value, _CONVERTIBLE)


def compare(left: object, right: object, case_sensitive: bool = False) -> int:
    """The order of two values: negative, 0 or positive (LanguagePrimitives.Compare).

    $null is below everything but a negative number (it compares as 0 to numbers). Raises
    CommandError when the right side does not convert to the left side's type, or when the
    left side has no order (a job).
    """
    if left is None and right is None:
        return 0
    if left is None:
        return _sign(-to_number(right)) if _is_number(right) else -1
    if right is None:
        return _sign(to_number(left)) if _is_number(left) else 1
    if isinstance(left, str):
        a, b = _fold(left, case_sensitive), _fold(text(right), case_sensitive)
        return (a > b) - (a < b)
    if not _convertible(left):
        raise CommandError(
            "InvalidOperation", f'Cannot compare "{text(left)}" because it is not IComparable.'
        )
    try:
        converted = convert_like(left, right)
    except ConversionError as error:
        raise CommandError(
            "InvalidOperation",
            f'Could not compare "{text(left)}" to "{text(right)}". Error: "{error}"',
        ) from None
    if isinstance(left, ScriptBlock | PathInfo):
        a, b = _fold(text(left), case_sensitive), _fold(str(converted), case_sensitive)
        return (a > b) - (a < b)
    if isinstance(left, JobState):
        return _sign(int(left) - int(to_state(converted)))
    if isinstance(left, uuid.UUID):
        a_text, b_text = str(left), str(converted)
        return (a_text > b_text) - (a_text < b_text)
    greater: bool = left > converted  # type: ignore[operator]
    less: bool = left < converted  # type: ignore[operator]
    return greater - less


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _sign(number: float) -> int:
    return (number > 0) - (number < 0)


def sort_compare(left: object, right: object, case_sensitive: bool = False) -> int:
    """Sort-Object's order: :func:`compare`, and the values' text when they do not compare
    (Sort-Object never fails on mixed values); $null first."""
    if left is None or right is None:
        return (left is not None) - (right is not None)
    if isinstance(left, Job) and isinstance(right, Job):
        return _sign(left.id - right.id)
    try:
        return compare(left, right, case_sensitive)
    except CommandError:
        a, b = _fold(text(left), case_sensitive), _fold(text(right), case_sensitive)
        return (a > b) - (a < b)


sort_key = functools.cmp_to_key(sort_compare)


# -- wildcards and regular expressions --------------------------------------------------------


@functools.lru_cache(maxsize=256)
def wildcard(pattern: str, case_sensitive: bool = False) -> re.Pattern[str]:
    """PowerShell's wildcard pattern (``*``, ``?``, ``[abc]``, ``[a-z]``, a backtick escapes
    the next character) as a regular expression over the whole string."""
    out: list[str] = []
    i = 0
    n = len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "`" and i + 1 < n:
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        elif ch == "[":
            close = pattern.find("]", i + 1)
            if close < 0:
                raise CommandError(
                    "WildcardPatternException",
                    f"The specified wildcard character pattern is not valid: {pattern}",
                )
            body = pattern[i + 1 : close]
            out.append("[" + "".join(re.escape(c) if c != "-" else "-" for c in body) + "]")
            i = close + 1
            continue
        else:
            out.append(re.escape(ch))
        i += 1
    flags = re.DOTALL if case_sensitive else re.DOTALL | re.IGNORECASE
    return re.compile("".join(out) + r"\Z", flags)


def like(value: object, pattern: object, case_sensitive: bool = False) -> bool:
    """``value -like pattern``."""
    return wildcard(text(pattern), case_sensitive).match(text(value)) is not None


_DOTNET_GROUPS = re.compile(r"\(\?<(?![=!])(\w+)>|\(\?'(\w+)'|\\k<(\w+)>")


def dotnet_pattern(pattern: str) -> str:
    r"""A .NET regular expression in Python's dialect: named groups ``(?<name>...)`` and
    ``(?'name'...)`` and their back references ``\k<name>``."""

    def one(found: re.Match[str]) -> str:
        group, quoted, back = found.groups()
        if back:
            return f"(?P={back})"
        return f"(?P<{group or quoted}>"

    return _DOTNET_GROUPS.sub(one, pattern)


@functools.lru_cache(maxsize=256)
def regex(pattern: str, case_sensitive: bool = False) -> re.Pattern[str]:
    """A -match pattern, compiled; an invalid one is PowerShell's error."""
    try:
        return re.compile(dotnet_pattern(pattern), 0 if case_sensitive else re.IGNORECASE)
    except re.error as error:
        raise CommandError(
            "RuntimeException", f"Invalid pattern '{pattern}' at offset {error.pos}: {error.msg}."
        ) from None


def match(value: object, pattern: object, case_sensitive: bool = False) -> re.Match[str] | None:
    """``value -match pattern``: the match (for $Matches), or None."""
    return regex(text(pattern), case_sensitive).search(text(value))


# -- the operators ----------------------------------------------------------------------------


def _as_items(value: object) -> list[object]:
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def _scalar_test(operator: Operator, case_sensitive: bool) -> Callable[[object, object], bool]:
    """The test one left value passes against the right side."""
    cs = case_sensitive
    tests: dict[Operator, Callable[[object, object], bool]] = {
        Operator.EQ: lambda a, b: equals(a, b, cs),
        Operator.NE: lambda a, b: not equals(a, b, cs),
        Operator.GT: lambda a, b: compare(a, b, cs) > 0,
        Operator.GE: lambda a, b: compare(a, b, cs) >= 0,
        Operator.LT: lambda a, b: compare(a, b, cs) < 0,
        Operator.LE: lambda a, b: compare(a, b, cs) <= 0,
        Operator.LIKE: lambda a, b: like(a, b, cs),
        Operator.NOTLIKE: lambda a, b: not like(a, b, cs),
        Operator.MATCH: lambda a, b: match(a, b, cs) is not None,
        Operator.NOTMATCH: lambda a, b: match(a, b, cs) is None,
    }
    return tests[operator]


def contains(collection: object, value: object, case_sensitive: bool = False) -> bool:
    """``collection -contains value``: an item equals the value (converted to the item's type)."""
    return any(equals(item, value, case_sensitive) for item in _as_items(collection))


def apply(operator: Operator, left: object, right: object, case_sensitive: bool = False) -> object:
    """``left -op right``: a Boolean, or the items of a list on the left that pass."""
    if operator is Operator.CONTAINS:
        return contains(left, right, case_sensitive)
    if operator is Operator.NOTCONTAINS:
        return not contains(left, right, case_sensitive)
    if operator is Operator.IN:
        return contains(right, left, case_sensitive)
    if operator is Operator.NOTIN:
        return not contains(right, left, case_sensitive)
    test = _scalar_test(operator, case_sensitive)
    if isinstance(left, list | tuple):
        return [item for item in left if test(item, right)]
    return test(left, right)


def test(operator: Operator, left: object, right: object, case_sensitive: bool = False) -> bool:
    """Whether ``left -op right`` holds (a filtered list holds when it is not empty)."""
    return is_true(apply(operator, left, right, case_sensitive))
