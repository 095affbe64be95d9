"""The codec: every field of every type that crosses the service survives JSON, non-default."""

from __future__ import annotations

import dataclasses
import enum
import json
import types
import typing
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from jobtui.host import codec
from jobtui.host.codec import WIRE_TYPES, CodecError, decode, encode


def _sample(hint: Any, salt: int) -> Any:
    """A value of type ``hint`` that no field has as its default (each call a different one)."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return _sample(next(a for a in typing.get_args(hint) if a is not type(None)), salt)
    origin = typing.get_origin(hint)
    if origin in (tuple, list):
        item = typing.get_args(hint)[0]
        if item is codec.JobSnapshot:  # a child job: one level deep
            return origin([_instance(item, salt + 1, depth=1)])
        return origin([_sample(item, salt + 1), _sample(item, salt + 2)])
    if hint is bool:
        return True
    if hint is int:
        return 1000 + salt
    if hint is float:
        return 0.5 + salt
    if hint is str:
        return f"text {salt} ✓"
    if hint is datetime:
        return datetime(2026, 1, 2, 3, 4, 5, 6789, tzinfo=timezone(timedelta(hours=2))) + timedelta(
            seconds=salt
        )
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        members = list(hint)
        return members[salt % (len(members) - 1) + 1]  # never the first member
    if dataclasses.is_dataclass(hint):
        return _instance(hint, salt)
    raise AssertionError(f"no sample for {hint}: teach the test (and check the codec)")


def _instance(cls: Any, salt: int, depth: int = 0) -> Any:
    hints = typing.get_type_hints(cls, localns=codec._NAMESPACE)
    values = {}
    for index, field in enumerate(dataclasses.fields(cls)):
        hint = hints[field.name]
        if depth and typing.get_origin(hint) is tuple and typing.get_args(hint)[0] is cls:
            values[field.name] = ()
            continue
        values[field.name] = _sample(hint, salt * 31 + index)
    return cls(**values)


@pytest.mark.parametrize("cls", WIRE_TYPES, ids=lambda cls: cls.__name__)
def test_every_field_round_trips_with_a_non_default_value(cls: type) -> None:
    original = _instance(cls, 1)
    for field in dataclasses.fields(cls):
        default = (
            field.default_factory()  # type: ignore[misc]
            if field.default_factory is not dataclasses.MISSING
            else field.default
        )
        assert getattr(original, field.name) != default, f"{field.name} kept its default"

    back = decode(cls, json.loads(json.dumps(encode(original))))

    assert back == original
    for field in dataclasses.fields(cls):  # the same types too, not only equal values
        assert type(getattr(back, field.name)) is type(getattr(original, field.name)), field.name


def test_a_field_the_codec_cannot_carry_fails_loudly() -> None:
    @dataclasses.dataclass
    class WithASet:
        names: set[str]

    with pytest.raises(CodecError, match="cannot carry"):
        encode(WithASet({"a"}))


def test_data_of_the_wrong_shape_is_a_codec_error() -> None:
    with pytest.raises(CodecError, match="StatsSample"):
        decode(codec.StatsSample, [1.0])
    with pytest.raises(CodecError):
        decode(codec.JobChanges, {"version": 1})


def test_the_schema_fingerprint_names_the_fields() -> None:
    assert codec._fingerprint() == codec.SCHEMA and len(codec.SCHEMA) == 12
