""".NET's format strings, for ``-f`` and ``.ToString('...')`` in script blocks.

``'{0,-10} {1:N1}' -f $_.Name, $_.Id`` is how PowerShell users lay out a line. The composite
format (``{index[,alignment][:format]}``, ``{{`` and ``}}``) is complete; of the format
specifiers, the standard numeric ones (C D E F G N P X, with a precision), custom numeric
patterns made of ``0 # . ,`` and the date patterns (``yyyy-MM-dd HH:mm:ss``, ``s``, ``o``).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from jobtui.commands.comparison import text
from jobtui.commands.errors import CommandError

#: The widest alignment accepted (a huge one would only build a huge string).
MAX_ALIGNMENT = 10_000


def _format_error() -> CommandError:
    return CommandError(
        "FormatException",
        "Error formatting a string: Input string was not in a correct format.",
    )


def format_composite(template: str, arguments: list[object]) -> str:
    """``template -f arguments``."""
    out: list[str] = []
    i = 0
    n = len(template)
    while i < n:
        ch = template[i]
        if ch == "{":
            if template.startswith("{{", i):
                out.append("{")
                i += 2
                continue
            close = template.find("}", i)
            if close < 0:
                raise _format_error()
            out.append(_item(template[i + 1 : close], arguments))
            i = close + 1
            continue
        if ch == "}":
            if template.startswith("}}", i):
                out.append("}")
                i += 2
                continue
            raise _format_error()
        out.append(ch)
        i += 1
    return "".join(out)


_ITEM = re.compile(r"^\s*(\d+)\s*(?:,\s*(-?\d+)\s*)?(?::(.*))?$", re.DOTALL)


def _item(spec: str, arguments: list[object]) -> str:
    found = _ITEM.match(spec)
    if found is None:
        raise _format_error()
    position = int(found.group(1))
    if position >= len(arguments):
        raise CommandError(
            "FormatException",
            "Error formatting a string: Index (zero based) must be greater than or equal to "
            "zero and less than the size of the argument list.",
        )
    formatted = format_value(arguments[position], found.group(3) or "")
    alignment = int(found.group(2) or 0)
    if abs(alignment) > MAX_ALIGNMENT:
        raise _format_error()
    return formatted.ljust(-alignment) if alignment < 0 else formatted.rjust(alignment)


def format_value(value: object, spec: str) -> str:
    """One value with a format specifier (``N2``, ``D3``, ``yyyy-MM-dd``); its text if the
    value takes no format."""
    if not spec:
        return text(value)
    if isinstance(value, datetime):
        return format_date(value, spec)
    if isinstance(value, timedelta):
        return text(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_number(value, spec)
    return text(value)


_STANDARD = re.compile(r"^([CcDdEeFfGgNnPpXx])(\d{0,2})$")


def format_number(value: float, spec: str) -> str:
    """A number with a standard (``N2``) or custom (``0.00``) numeric format."""
    standard = _STANDARD.match(spec)
    if standard is None:
        return _custom_number(value, spec)
    letter, digits = standard.group(1), standard.group(2)
    precision = int(digits) if digits else None
    kind = letter.upper()
    if kind == "D":
        if not isinstance(value, int):
            raise _format_error()
        body = str(abs(value)).rjust(precision or 0, "0")
        return ("-" if value < 0 else "") + body
    if kind == "X":
        if not isinstance(value, int):
            raise _format_error()
        body = format(value & 0xFFFFFFFF if value < 0 else value, "x").rjust(precision or 0, "0")
        return body.upper() if letter == "X" else body
    if kind in ("N", "C"):
        formatted = f"{value:,.{2 if precision is None else precision}f}"
        return ("¤" + formatted) if kind == "C" else formatted
    if kind == "F":
        return f"{value:.{2 if precision is None else precision}f}"
    if kind == "P":
        return f"{value * 100:,.{2 if precision is None else precision}f} %"
    if kind == "E":
        formatted = f"{value:.{6 if precision is None else precision}E}"
        mantissa, exponent = formatted.split("E")
        sign = exponent[0]
        body = f"{mantissa}E{sign}{exponent[1:].rjust(3, '0')}"
        return body if letter == "E" else body.lower()
    if precision:
        return f"{value:.{precision}g}"
    return text(value)


def _custom_number(value: float, spec: str) -> str:
    """A custom numeric pattern of ``0``, ``#``, ``.`` and ``,`` (``0.00``, ``#,##0``); other
    text in it is kept around the number."""
    found = re.search(r"[0#][0#,]*(\.[0#]+)?", spec)
    if found is None:
        return spec
    pattern = found.group(0)
    decimals = len(found.group(1)) - 1 if found.group(1) else 0
    grouped = "," in pattern.split(".")[0]
    integer_part = pattern.split(".")[0].replace(",", "")
    minimum = integer_part.count("0")
    number = f"{abs(value):{',' if grouped else ''}.{decimals}f}"
    whole, _, fraction = number.partition(".")
    digits = whole.replace(",", "")
    if len(digits) < minimum:
        digits = digits.rjust(minimum, "0")
        whole = f"{int(digits):,}".rjust(minimum, "0") if grouped else digits
    if minimum == 0 and digits == "0":
        whole = ""
    if decimals:
        fraction_pattern = found.group(1)[1:]
        kept = fraction
        while len(kept) > fraction_pattern.count("0") and kept.endswith("0"):
            kept = kept[:-1]
        number = whole + ("." + kept if kept else "")
    else:
        number = whole
    sign = "-" if value < 0 and number.strip("0.,") else ""
    return spec[: found.start()] + sign + (number or "0") + spec[found.end() :]


#: .NET date pattern letters to strftime, longest first.
_DATE_TOKENS = (
    ("yyyy", "%Y"),
    ("yy", "%y"),
    ("MMMM", "%B"),
    ("MMM", "%b"),
    ("MM", "%m"),
    ("dddd", "%A"),
    ("ddd", "%a"),
    ("dd", "%d"),
    ("HH", "%H"),
    ("hh", "%I"),
    ("mm", "%M"),
    ("ss", "%S"),
    ("tt", "%p"),
    ("fff", "{ms}"),
    ("zzz", "{offset}"),
)
_DATE_STANDARD = {
    "s": "yyyy-MM-ddTHH:mm:ss",
    "u": "yyyy-MM-dd HH:mm:ssZ",
    "d": "MM/dd/yyyy",
    "t": "HH:mm",
    "T": "HH:mm:ss",
    "g": "MM/dd/yyyy HH:mm",
    "G": "MM/dd/yyyy HH:mm:ss",
}


def format_date(value: datetime, spec: str) -> str:
    """A date with a .NET pattern (``yyyy-MM-dd HH:mm:ss``) or a standard letter (``s``, ``o``)."""
    if spec in ("o", "O"):
        return value.astimezone().isoformat()
    spec = _DATE_STANDARD.get(spec, spec)
    out: list[str] = []
    i = 0
    while i < len(spec):
        for token, replacement in _DATE_TOKENS:
            if spec.startswith(token, i):
                if replacement == "{ms}":
                    out.append(f"{value.microsecond // 1000:03d}")
                elif replacement == "{offset}":
                    offset = value.astimezone().strftime("%z")
                    out.append(f"{offset[:3]}:{offset[3:]}")
                else:
                    out.append(value.strftime(replacement))
                i += len(token)
                break
        else:
            ch = spec[i]
            if ch in "dMHhms" and i + 1 <= len(spec):
                single = {
                    "d": value.day,
                    "M": value.month,
                    "H": value.hour,
                    "m": value.minute,
                    "s": value.second,
                    "h": value.hour % 12 or 12,
                }[ch]
                out.append(str(single))
            else:
                out.append(ch)
            i += 1
    return "".join(out)
