"""Strict, typed access to the fields of a helpdesk API payload (a wrong type is a RecordError naming the field),
and the records built from them: messages in time order, the ticket's participants."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TypeGuard

from tunedesk.errors import RecordError
from tunedesk.records import Message, Participant, Role

_SCALARS = (str, int, float, bool)


def _name(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def as_dict(value: object, field: str) -> dict[str, object]:
    """`value` when it is an object, else a RecordError naming the field."""
    if not isinstance(value, dict):
        raise RecordError(f"expected an object, got {type(value).__name__}", field=field or None)
    return value


def get_dict(obj: Mapping[str, object], key: str, where: str = "") -> dict[str, object]:
    """An optional object field (missing or null → {})."""
    value = obj.get(key)
    return {} if value is None else as_dict(value, _name(where, key))


def get_list(obj: Mapping[str, object], key: str, where: str = "") -> list[object]:
    """An optional list field (missing or null → [])."""
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise RecordError(f"expected a list, got {type(value).__name__}", field=_name(where, key))
    return value


def get_str(obj: Mapping[str, object], key: str, where: str = "") -> str | None:
    """An optional string field."""
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value
    raise RecordError(f"expected a string, got {type(value).__name__}", field=_name(where, key))


def get_bool(obj: Mapping[str, object], key: str, where: str = "", default: bool = False) -> bool:
    """An optional true/false field."""
    value = obj.get(key)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    raise RecordError(f"expected true or false, got {type(value).__name__}", field=_name(where, key))


def get_id(obj: Mapping[str, object], key: str, where: str = "") -> str | None:
    """An optional id field (integer or non-empty string) as text."""
    value = obj.get(key)
    if value is None or value == "":
        return None
    if type(value) is str:
        return value
    if type(value) is int:
        return str(value)
    raise RecordError(f"expected an id (integer or string), got {type(value).__name__}", field=_name(where, key))


def require_id(obj: Mapping[str, object], key: str = "id", where: str = "") -> str:
    """A required id field as text."""
    value = get_id(obj, key, where)
    if value is None:
        raise RecordError("missing required field", field=_name(where, key))
    return value


def safe_id(value: object) -> str | None:
    """An id as text, or None for anything that is not one (for auxiliary data that never rejects)."""
    if isinstance(value, str) and value:
        return value
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else None


def safe_str(value: object) -> str | None:
    """A non-empty string, or None (for auxiliary data that never rejects)."""
    return value if isinstance(value, str) and value.strip() else None


def str_list(obj: Mapping[str, object], key: str, where: str = "") -> list[str]:
    """An optional list of strings (numbers are written out; nulls dropped)."""
    items = get_list(obj, key, where)
    if _all_strings(items):
        return items
    out = []
    for i, item in enumerate(items):
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, int | float) and not isinstance(item, bool):
            out.append(str(item))
        elif item is not None:
            raise RecordError(f"expected a string, got {type(item).__name__}", field=f"{_name(where, key)}[{i}]")
    return out


def _all_strings(items: list[object]) -> TypeGuard[list[str]]:
    return all(type(item) is str for item in items)


def get_time(obj: Mapping[str, object], key: str, where: str = "") -> datetime | None:
    """An optional timestamp field: ISO 8601 text or Unix seconds (milliseconds accepted), normalised to UTC."""
    value = obj.get(key)
    if type(value) is str:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if parsed.tzinfo is UTC:  # the common case, first: exports write `Z`
                return parsed
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else _to_utc(parsed, _name(where, key))
    return _unusual_time(value, _name(where, key))


def _to_utc(value: datetime, field: str) -> datetime:
    try:
        return value.astimezone(UTC)
    except (ValueError, OverflowError):
        raise RecordError(f"timestamp out of range: {value.isoformat()}", field=field) from None


def _unusual_time(value: object, field: str) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value / 1000 if value > 1e11 else value, tz=UTC)
        except (ValueError, OverflowError, OSError):
            raise RecordError(f"timestamp out of range: {value!r}", field=field) from None
    if isinstance(value, str):
        raise RecordError(f"not an ISO 8601 timestamp: {value[:40]!r}", field=field)
    raise RecordError(f"expected a timestamp, got {type(value).__name__}", field=field)


def scalars(values: Mapping[str, object], keys: Iterable[str] | None = None) -> dict[str, str | int | float]:
    """The JSON scalars of a dict (of `keys` only, when given), without nulls: what is safe to keep as metadata."""
    kept = {}
    for key in values if keys is None else keys:
        value = values.get(key)
        if value is not None and value != "" and isinstance(value, _SCALARS):
            kept[key] = value
    return kept


def chronological(messages: list[Message]) -> list[Message]:
    """Messages sorted by time (stable); left in the export's order when some have no timestamp."""
    if all(m.created_at is not None for m in messages):
        return sorted(messages, key=lambda m: m.created_at)  # type: ignore[arg-type,return-value]
    return messages


def participants(people: Iterable[tuple[object, object, Role]]) -> list[Participant]:
    """Unique participants in first-seen order; a bare name or email known in a fuller entry is left out too."""
    found: dict[tuple[str | None, str | None], Role] = {}
    for name, email, role in people:
        key = (safe_str(name), safe_str(email))
        if (key[0] or key[1]) and key not in found:
            found[key] = role
    names = {name for name, email in found if name and email}
    emails = {email for name, email in found if name and email}
    return [
        Participant(name=name, email=email, role=role)
        for (name, email), role in found.items()
        if (name and email) or (name not in names and email not in emails)
    ]
