"""The value types and base models of the API's shapes (pydantic v2).

One model per shape checks what a client sends and writes what the API
answers; the OpenAPI document is generated from the same models' JSON Schema
(2020-12, as OpenAPI 3.1 uses), so it cannot drift from the code. The types
below keep the API's own rules — no control characters in text, dates as
``YYYY-MM-DD``, money as a string with two decimals, ids 1..2**31-1 — and
pydantic's error types become our translated messages in one table.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    InstanceOf,
    PlainSerializer,
    Strict,
    WithJsonSchema,
)
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError
from werkzeug.datastructures import FileStorage

from projectunion.exceptions import ValidationError
from projectunion.i18n import _l

MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONEY_PATTERN = r"[0-9]{1,10}(\.[0-9]{1,2})?"
_MONEY_RE = re.compile(_MONEY_PATTERN)
_ID_KEY_PATTERN = r"[1-9][0-9]{0,9}"
_MULTILINE = frozenset("\t\n\r")


# Base models -----------------------------------------------------------------


class Request(BaseModel):
    """What a client sends: unknown fields are refused, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid")


class Query(Request):
    """Query-string parameters: every value arrives as text."""


class Answer(BaseModel):
    """What the API answers, read from the ORM objects' attributes; every field is always present."""

    model_config = ConfigDict(from_attributes=True, json_schema_serialization_defaults_required=True)


def described(text: Any) -> dict[str, Any]:
    """A model's description in the document (``json_schema_extra``), translated when the document is built."""
    return {"description": text}


class Facts:
    """An ORM object seen with a few more attributes it cannot give by itself (counts, a continuation)."""

    def __init__(self, obj: Any, **more: Any) -> None:
        self._obj = obj
        self.__dict__.update(more)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._obj, name)


# Value types -----------------------------------------------------------------


def _fail(kind: str, **ctx: Any) -> PydanticCustomError:
    return PydanticCustomError(kind, kind, ctx or None)


def _plain_text(multiline: bool) -> Callable[[str], str]:
    def check(value: str) -> str:
        for ch in value:
            if unicodedata.category(ch) in ("Cc", "Cs") and not (multiline and ch in _MULTILINE):
                raise _fail("control_characters")
        return value

    return check


def Text(  # noqa: N802 - reads as a type in declarations
    max_length: int | None = None,
    *,
    min_length: int = 1,
    pattern: str | None = None,
    multiline: bool = False,
    example: str | None = None,
) -> Any:
    """A string; control characters (and unpaired surrogates) are always refused.

    ``multiline`` allows tabs and line breaks (notes, summaries).
    """
    extra = {"examples": [example]} if example is not None else None
    return Annotated[
        str,
        Field(
            min_length=min_length,
            max_length=max_length,
            pattern=f"^{pattern}$" if pattern else None,
            json_schema_extra=extra,
        ),
        AfterValidator(_plain_text(multiline)),
    ]


def Choice(values: tuple[str, ...] | list[str]) -> Any:  # noqa: N802
    """One of a fixed list of strings (states, events, kinds)."""
    values = tuple(values)

    def check(value: Any) -> Any:
        if not isinstance(value, str) or value not in values:
            raise _fail("choice", values=", ".join(values))
        return value

    return Annotated[Literal[values], BeforeValidator(check)]


def _whole_number(value: Any) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail("int_type")
    return value


def _whole_number_text(value: Any) -> int:
    if not isinstance(value, str) or not re.fullmatch(r"-?[0-9]{1,12}", value):
        raise _fail("int_type")
    return int(value)


def Integer(minimum: int = 0, maximum: int | None = None, *, from_text: bool = False) -> Any:  # noqa: N802
    """A whole number (never a boolean); ``from_text`` for query-string values."""

    def check(value: int) -> int:
        if value < minimum or (maximum is not None and value > maximum):
            raise _fail("number_range", low=minimum, high=maximum)
        return value

    bounds = {"minimum": minimum, **({"maximum": maximum} if maximum is not None else {})}
    return Annotated[
        int,
        BeforeValidator(_whole_number_text if from_text else _whole_number),
        AfterValidator(check),
        Field(json_schema_extra=bounds),
    ]


Id = Integer(1, MAX_ID)
#: an id given in the query string (always text there)
QueryId = Integer(1, MAX_ID, from_text=True)
Count = Integer(0)
Boolean = Annotated[bool, Strict()]


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _DATE_RE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise _fail("date_format")


Date = Annotated[
    dt.date,
    BeforeValidator(_date),
    WithJsonSchema({"type": "string", "format": "date", "examples": ["2024-03-01"]}),
]


def _utc(value: dt.datetime) -> str:
    if value.tzinfo is None:  # SQLite gives naive datetimes back; they were stored as UTC
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


Timestamp = Annotated[
    dt.datetime,
    PlainSerializer(_utc, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
"""A moment (UTC), only ever answered."""


def _money(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if not isinstance(value, str) or not _MONEY_RE.fullmatch(value):
        raise _fail("money_format")
    return Decimal(value).quantize(Decimal("0.01"))


Money = Annotated[
    Decimal,
    BeforeValidator(_money),
    PlainSerializer(lambda value: f"{Decimal(value).quantize(Decimal('0.01')):.2f}", return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": f"^{_MONEY_PATTERN}$", "examples": ["12500.00"]}),
]
"""Yuan as a string with at most two decimals (never a float); answered with exactly two."""

AnyObject = Annotated[dict[str, Any], BeforeValidator(lambda value: value or {})]
"""Free-form data recorded with an event (answered as it was stored)."""

Upload = Annotated[InstanceOf[FileStorage], WithJsonSchema({"type": "string", "format": "binary"})]
"""A file sent in a multipart form."""


def _sorted_ids(objects: Any) -> list[int]:
    return sorted(obj.id for obj in objects)


IdsOf = Annotated[list[Id], BeforeValidator(_sorted_ids)]
"""The ids of related objects (read from a relationship), in increasing order."""


def _unique(items: list[Any]) -> list[Any]:
    if len(set(items)) != len(items):
        raise _fail("unique_items")
    return items


def UniqueList(item: Any, max_items: int) -> Any:  # noqa: N802
    return Annotated[
        list[item], Field(max_length=max_items, json_schema_extra={"uniqueItems": True}), AfterValidator(_unique)
    ]


def _id_key(value: Any) -> int:
    if not isinstance(value, str) or not re.fullmatch(_ID_KEY_PATTERN, value) or int(value) > MAX_ID:
        raise _fail("id_key")
    return int(value)


IdKey = Annotated[int, BeforeValidator(_id_key), WithJsonSchema({"type": "string", "pattern": f"^{_ID_KEY_PATTERN}$"})]


def IdMap(value: Any, max_items: int = 1000) -> Any:  # noqa: N802
    """An object keyed by ids (as JSON keys are strings), e.g. a decision per membership."""
    return Annotated[dict[IdKey, value], Field(max_length=max_items, json_schema_extra={"additionalProperties": False})]


# Lists -----------------------------------------------------------------------

T = TypeVar("T")


class Page(Answer, Generic[T], json_schema_extra=described(_l("One page of a list."))):
    items: list[T]
    next: Text(100) | None = Field(description=_l("Pass as `cursor` to get the next page; null on the last page."))

    @classmethod
    def model_parametrized_name(cls, params: tuple[type[Any], ...]) -> str:
        return f"{params[0].__name__}Page"


@dataclasses.dataclass
class Listing:
    """The rows of one page and the cursor of the next; a ``Page`` answer reads it."""

    items: list[Any]
    next: str | None


# Errors ----------------------------------------------------------------------

_CONTROL = _l("Contains control or invalid characters.")
_WHOLE = _l("Enter a whole number.")
_OBJECT = _l("Send a JSON object.")
_REQUIRED = _l("This field is required.")

#: pydantic's error types (and ours, raised above) → the message a client reads.
MESSAGES: dict[str, Any] = {
    "missing": _REQUIRED,
    "extra_forbidden": _l("Unknown field."),
    "model_type": _OBJECT,
    "model_attributes_type": _OBJECT,
    "string_type": _l("Enter text."),
    "string_unicode": _CONTROL,
    "control_characters": _CONTROL,
    "string_too_short": _REQUIRED,
    "string_too_long": lambda ctx: _l("At most %(n)d characters.", n=ctx["max_length"]),
    "string_pattern_mismatch": _l("This value does not have the expected form."),
    "choice": lambda ctx: _l("Choose one of: %(values)s.", values=ctx["values"]),
    "int_type": _WHOLE,
    "number_range": lambda ctx: _l("Enter a number from %(low)s to %(high)s.", low=ctx["low"], high=ctx["high"]),
    "bool_type": _l("Enter true or false."),
    "date_format": _l("Enter a date as YYYY-MM-DD, e.g. 2024-03-01."),
    "money_format": _l('Enter an amount in yuan as text, e.g. "12500.00".'),
    "list_type": _l("Enter a list."),
    "too_long": lambda ctx: _l("At most %(n)d items.", n=ctx["max_length"]),
    "unique_items": _l("Each item may appear only once."),
    "dict_type": _l("Enter an object keyed by id."),
    "id_key": _l("Not a valid id."),
    "is_instance_of": _l("Send a file."),
}
#: In a query string the same errors are about parameters.
QUERY_MESSAGES: dict[str, Any] = {
    **MESSAGES,
    "missing": _l("This parameter is required."),
    "extra_forbidden": _l("Unknown parameter."),
}


def _message(error: Mapping[str, Any], messages: dict[str, Any]) -> Any:
    if error["type"] != "missing" and error.get("input", ...) is None:
        return _l("This field cannot be empty.")
    message = messages.get(error["type"], messages["string_pattern_mismatch"])
    return message(error.get("ctx") or {}) if callable(message) else message


def _field(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc if part != "[key]") or "body"


M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], data: Any, messages: dict[str, Any] = MESSAGES) -> M:
    """A request's data as ``model``, or the 400 ValidationError naming every bad field at once."""
    try:
        return model.model_validate(data)
    except PydanticValidationError as exc:
        errors: dict[str, Any] = {}
        for error in exc.errors(include_url=False):
            errors.setdefault(_field(error["loc"]), _message(error, messages))
        raise ValidationError(errors) from None
