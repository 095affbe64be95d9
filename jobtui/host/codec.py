"""What crosses :class:`~jobtui.service.JobService` as JSON-able values, and back.

One generic codec over dataclasses, read from their type hints, so that a field added to a
snapshot or a result crosses the wire without anyone writing it twice (a hand-written
``to_dict`` forgets a new field without a sound; tests/unit/host/test_codec.py round-trips
every field with non-default values, so a type the codec cannot carry fails there).

- A dataclass goes as a list of its fields' values, in field order: 1,000 snapshots took
  half the bytes and about 40% less time than as objects with keys. Both sides must therefore
  agree on the fields: :data:`SCHEMA` fingerprints them, and the hello carries it, so a client
  and a host whose fields differ refuse each other with the version message instead of
  misreading each other.
- An enum goes by its name, a datetime in ISO format, a tuple or list as a list.

Each class's encoder and decoder are built once, from its type hints, and kept.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import operator
import types
import typing
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from jobtui.commands.results import LineKind, OutputLine, WaitEnd, WaitOutcome, WaitStarted
from jobtui.engine.changes import JobChanges
from jobtui.engine.snapshot import (
    FailureInfo,
    JobSnapshot,
    OutputFacts,
    ProcessFacts,
    StateInfo,
    StatsSample,
)
from jobtui.engine.states import JobState
from jobtui.service import LineResult
from jobtui.service_values import SearchMatch, SearchRequest, SearchUpdate

T = TypeVar("T")

#: Every dataclass that crosses the service, and the types their hints name.
WIRE_TYPES: tuple[type, ...] = (
    JobChanges,
    JobSnapshot,
    StateInfo,
    FailureInfo,
    ProcessFacts,
    OutputFacts,
    StatsSample,
    LineResult,
    OutputLine,
    WaitStarted,
    WaitOutcome,
    SearchRequest,
    SearchMatch,
    SearchUpdate,
)
_NAMESPACE: dict[str, Any] = {
    **{cls.__name__: cls for cls in WIRE_TYPES},
    "JobState": JobState,
    "LineKind": LineKind,
    "WaitEnd": WaitEnd,
    "datetime": datetime,
}

Encoder = Callable[[Any], Any]
Decoder = Callable[[Any], Any]


class CodecError(ValueError):
    """A value the codec cannot carry, or data that is not what its type says."""


def encode(value: Any) -> Any:
    """``value`` (a wire dataclass, or a list of them) as JSON-able values."""
    if isinstance(value, list | tuple):
        return [encode(item) for item in value]
    if value is None:
        return None
    return _encoder_of(type(value))(value)


def decode(kind: type[T], data: Any) -> T:
    """A ``kind`` from what :func:`encode` made; CodecError if ``data`` does not fit."""
    try:
        return typing.cast(T, _decoder_of(kind)(data))
    except (TypeError, ValueError, KeyError, IndexError) as exc:
        raise CodecError(f"not a {kind.__name__}: {exc}") from exc


# -- building the converters ------------------------------------------------------------------

_ENCODERS: dict[Any, Encoder] = {}
_DECODERS: dict[Any, Decoder] = {}


def _identity(value: Any) -> Any:
    return value


def _hints(cls: type) -> list[tuple[str, Any]]:
    hints = typing.get_type_hints(cls, localns=_NAMESPACE)
    return [(f.name, hints[f.name]) for f in dataclasses.fields(cls)]


def _encoder_of(hint: Any) -> Encoder:
    encoder = _ENCODERS.get(hint)
    if encoder is None:
        # A type that holds itself (a snapshot's child_jobs) finds this stand-in while its own
        # encoder is being made; it calls the real one once that exists.
        _ENCODERS[hint] = lambda value: _ENCODERS[hint](value)
        encoder = _ENCODERS[hint] = _make_encoder(hint)
    return encoder


def _decoder_of(hint: Any) -> Decoder:
    decoder = _DECODERS.get(hint)
    if decoder is None:
        _DECODERS[hint] = lambda data: _DECODERS[hint](data)
        decoder = _DECODERS[hint] = _make_decoder(hint)
    return decoder


def _is_plain(hint: Any) -> bool:
    """A type JSON carries as it is (so its converter is the identity)."""
    if hint in (int, str, bool, float, type(None)):
        return True
    return _optional_of(hint) in (int, str, bool, float)


def _optional_of(hint: Any) -> Any:
    """``X`` for ``X | None``, else None."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(hint)) == 2:
            return args[0]
        raise CodecError(f"the codec carries X | None, not {hint}")
    return None


def _make_encoder(hint: Any) -> Encoder:
    if _is_plain(hint):
        return _identity
    inner = _optional_of(hint)
    if inner is not None:
        encode_inner = _encoder_of(inner)
        return lambda value: None if value is None else encode_inner(value)
    origin = typing.get_origin(hint)
    if origin in (tuple, list):
        encode_item = _encoder_of(_item_type(hint))
        if encode_item is _identity:
            return list
        return lambda value: [encode_item(item) for item in value]
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return lambda value: value.name
    if hint is datetime:
        return lambda value: value.isoformat()
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _dataclass_encoder([(name, _encoder_of(h)) for name, h in _hints(hint)])
    raise CodecError(f"the codec cannot carry {hint}")


def _dataclass_encoder(fields: list[tuple[str, Encoder]]) -> Encoder:
    """Every field read at once (``attrgetter``), and only those JSON cannot carry as they
    are converted: 1,000 snapshots encode in a third of the time of a call per field."""
    names = [name for name, _ in fields]
    getter: Callable[[Any], Any] = operator.attrgetter(*names)
    single = len(names) == 1  # attrgetter of one name gives the value, not a tuple
    special = [(i, convert) for i, (_, convert) in enumerate(fields) if convert is not _identity]

    def encode_dataclass(value: Any) -> Any:
        values = [getter(value)] if single else list(getter(value))
        for i, convert in special:
            values[i] = convert(values[i])
        return values

    return encode_dataclass


def _make_decoder(hint: Any) -> Decoder:
    if hint is float:
        return float
    if _is_plain(hint) and _optional_of(hint) is not float:
        return _identity
    inner = _optional_of(hint)
    if inner is not None:
        decode_inner = _decoder_of(inner)
        return lambda data: None if data is None else decode_inner(data)
    origin = typing.get_origin(hint)
    if origin in (tuple, list):
        decode_item = _decoder_of(_item_type(hint))
        if decode_item is _identity:
            return typing.cast(Decoder, origin)
        return lambda data: origin([decode_item(item) for item in data])
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        members = hint.__members__
        return lambda data: members[data]
    if hint is datetime:
        return datetime.fromisoformat
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        cls = hint
        decoders = [_decoder_of(field_hint) for _, field_hint in _hints(cls)]
        count = len(decoders)
        # Only the fields JSON does not carry as they are (the encoder's reasoning).
        special = [(i, convert) for i, convert in enumerate(decoders) if convert is not _identity]

        def decode_dataclass(data: Any) -> Any:
            if not isinstance(data, list) or len(data) != count:
                raise CodecError(f"{cls.__name__} takes {count} values")
            values = list(data)
            for i, convert in special:
                values[i] = convert(values[i])
            return cls(*values)

        return decode_dataclass
    raise CodecError(f"the codec cannot carry {hint}")


def _item_type(hint: Any) -> Any:
    args = typing.get_args(hint)
    if typing.get_origin(hint) is tuple and not (len(args) == 2 and args[1] is Ellipsis):
        raise CodecError(f"the codec carries tuple[X, ...], not {hint}")
    return args[0]


def _fingerprint() -> str:
    """A short digest of every wire type's field names and types."""
    text = ";".join(
        f"{cls.__name__}:" + ",".join(f"{name}={hint}" for name, hint in _hints(cls))
        for cls in WIRE_TYPES
    )
    return hashlib.sha256(text.encode()).hexdigest()[:12]


#: The fingerprint of the wire types' fields: a client and a host must have the same one.
SCHEMA = _fingerprint()
