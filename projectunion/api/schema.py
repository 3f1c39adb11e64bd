"""Request and response shapes, declared once.

A shape checks what a client sends (every bad field reported at once, in the
user's language), writes what the API answers (exactly its fields: dates as
ISO strings, money as strings with two decimals) and describes itself as JSON
Schema for the OpenAPI document. The document is generated from these same
objects, so it cannot drift from what the code accepts and returns.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from projectunion.exceptions import ValidationError
from projectunion.i18n import _l

MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONEY_RE = re.compile(r"[0-9]{1,10}(\.[0-9]{1,2})?")
_MULTILINE = frozenset("\t\n\r")


class Invalid(Exception):
    """One bad value; ``errors`` maps a dotted field path ('' = this value) to its message."""

    def __init__(self, message: Any = None, errors: dict[str, Any] | None = None) -> None:
        super().__init__(str(message))
        self.errors = errors if errors is not None else {"": message}


class Type:
    """A value's JSON type: load (validate and convert), dump, and JSON Schema."""

    description: Any = None

    def json_schema(self) -> dict[str, Any]:
        raise NotImplementedError

    def load(self, value: Any) -> Any:
        """Check and convert a client's value; types only ever answered refuse every value."""
        raise Invalid(_l("This field cannot be set."))

    def parse(self, text: str) -> Any:
        """Load from a query-string or form value (always text)."""
        return self.load(text)

    def dump(self, value: Any) -> Any:
        return value

    def shapes(self) -> Iterator[Shape]:
        """Named shapes this type refers to (for the document's components)."""
        return iter(())

    def _described(self, schema: dict[str, Any]) -> dict[str, Any]:
        if self.description is not None:
            schema["description"] = str(self.description)
        return schema


class Text(Type):
    """A string; control characters (and unpaired surrogates) are always refused.

    ``multiline`` allows tabs and line breaks (notes, summaries).
    """

    def __init__(
        self,
        *,
        min_length: int = 1,
        max_length: int | None = None,
        pattern: str | None = None,
        multiline: bool = False,
        description: Any = None,
        example: str | None = None,
    ) -> None:
        self.min_length, self.max_length, self.pattern = min_length, max_length, pattern
        self.multiline, self.description, self.example = multiline, description, example
        self._regex = re.compile(pattern) if pattern else None

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string", "minLength": self.min_length}
        if self.max_length is not None:
            schema["maxLength"] = self.max_length
        if self.pattern:
            schema["pattern"] = f"^{self.pattern}$"
        if self.example is not None:
            schema["examples"] = [self.example]
        return self._described(schema)

    def load(self, value: Any) -> str:
        if not isinstance(value, str):
            raise Invalid(_l("Enter text."))
        if any(unicodedata.category(ch) in ("Cc", "Cs") and not (self.multiline and ch in _MULTILINE) for ch in value):
            raise Invalid(_l("Contains control or invalid characters."))
        if len(value) < self.min_length:
            raise Invalid(_l("This field is required."))
        if self.max_length is not None and len(value) > self.max_length:
            raise Invalid(_l("At most %(n)d characters.", n=self.max_length))
        if self._regex is not None and not self._regex.fullmatch(value):
            raise Invalid(_l("This value does not have the expected form."))
        return value


class Choice(Type):
    """One of a fixed list of strings (states, events, kinds)."""

    def __init__(self, values: tuple[str, ...] | list[str], *, description: Any = None) -> None:
        self.values = tuple(values)
        self.description = description

    def json_schema(self) -> dict[str, Any]:
        return self._described({"type": "string", "enum": list(self.values)})

    def load(self, value: Any) -> str:
        if value not in self.values or not isinstance(value, str):
            raise Invalid(_l("Choose one of: %(values)s.", values=", ".join(self.values)))
        return value


class Integer(Type):
    def __init__(self, *, minimum: int | None = None, maximum: int | None = None, description: Any = None) -> None:
        self.minimum, self.maximum, self.description = minimum, maximum, description

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "integer"}
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        return self._described(schema)

    def load(self, value: Any) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(_l("Enter a whole number."))
        if (self.minimum is not None and value < self.minimum) or (self.maximum is not None and value > self.maximum):
            raise Invalid(_l("Enter a number from %(low)s to %(high)s.", low=self.minimum, high=self.maximum))
        return value

    def parse(self, text: str) -> int:
        if not re.fullmatch(r"-?[0-9]{1,12}", text):
            raise Invalid(_l("Enter a whole number."))
        return self.load(int(text))


def Id(description: Any = None) -> Integer:  # noqa: N802 - reads as a type in declarations
    return Integer(minimum=1, maximum=MAX_ID, description=description)


class Boolean(Type):
    def __init__(self, *, description: Any = None) -> None:
        self.description = description

    def json_schema(self) -> dict[str, Any]:
        return self._described({"type": "boolean"})

    def load(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise Invalid(_l("Enter true or false."))
        return value

    def parse(self, text: str) -> bool:
        if text not in ("true", "false"):
            raise Invalid(_l("Enter true or false."))
        return text == "true"


class Date(Type):
    """A calendar date, ``YYYY-MM-DD``."""

    def __init__(self, *, description: Any = None) -> None:
        self.description = description

    def json_schema(self) -> dict[str, Any]:
        return self._described({"type": "string", "format": "date", "examples": ["2024-03-01"]})

    def load(self, value: Any) -> dt.date:
        if isinstance(value, str) and _DATE_RE.fullmatch(value):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise Invalid(_l("Enter a date as YYYY-MM-DD, e.g. 2024-03-01."))

    def dump(self, value: dt.date) -> str:
        return value.isoformat()


class Timestamp(Type):
    """A moment (UTC), only ever answered, never accepted."""

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "date-time"}

    def dump(self, value: dt.datetime) -> str:
        if value.tzinfo is None:  # SQLite gives naive datetimes back; they were stored as UTC
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


class Money(Type):
    """Yuan as a string with at most two decimals (never a float); answered with exactly two."""

    def __init__(self, *, description: Any = None) -> None:
        self.description = description

    def json_schema(self) -> dict[str, Any]:
        return self._described({"type": "string", "pattern": r"^[0-9]{1,10}(\.[0-9]{1,2})?$", "examples": ["12500.00"]})

    def load(self, value: Any) -> Decimal:
        if not isinstance(value, str) or not _MONEY_RE.fullmatch(value):
            raise Invalid(_l('Enter an amount in yuan as text, e.g. "12500.00".'))
        return Decimal(value).quantize(Decimal("0.01"))

    def dump(self, value: Decimal) -> str:
        return f"{Decimal(value).quantize(Decimal('0.01')):.2f}"


class Messages(Type):
    """An object mapping names to messages (the ``fields`` of a validation error)."""

    def json_schema(self) -> dict[str, Any]:
        return {"type": "object", "additionalProperties": {"type": "string"}}


class Upload(Type):
    """A file sent in a multipart form."""

    def __init__(self, *, description: Any = None) -> None:
        self.description = description

    def json_schema(self) -> dict[str, Any]:
        return self._described({"type": "string", "format": "binary"})

    def parse(self, value: Any) -> Any:
        return value  # the uploaded file, as the form parser found it


class AnyObject(Type):
    """Free-form data recorded with an event (answered as it was stored)."""

    def __init__(self, *, description: Any = None) -> None:
        self.description = description

    def json_schema(self) -> dict[str, Any]:
        return self._described({"type": "object"})


class List(Type):
    def __init__(self, item: Type, *, max_items: int | None = None, unique: bool = False, description: Any = None):
        self.item, self.max_items, self.unique, self.description = item, max_items, unique, description

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "array", "items": self.item.json_schema()}
        if self.max_items is not None:
            schema["maxItems"] = self.max_items
        if self.unique:
            schema["uniqueItems"] = True
        return self._described(schema)

    def load(self, value: Any) -> list[Any]:
        if not isinstance(value, list):
            raise Invalid(_l("Enter a list."))
        if self.max_items is not None and len(value) > self.max_items:
            raise Invalid(_l("At most %(n)d items.", n=self.max_items))
        out, errors = [], {}
        for i, item in enumerate(value):
            try:
                out.append(self.item.load(item))
            except Invalid as exc:
                errors.update(_prefixed(str(i), exc.errors))
        if errors:
            raise Invalid(errors=errors)
        if self.unique and len({repr(v) for v in out}) != len(out):
            raise Invalid(_l("Each item may appear only once."))
        return out

    def dump(self, value: Any) -> list[Any]:
        return [self.item.dump(v) for v in value]

    def shapes(self) -> Iterator[Shape]:
        yield from _shapes_of(self.item)


class IdMap(Type):
    """An object keyed by ids (as JSON keys are strings), e.g. a decision per membership."""

    def __init__(self, value: Type, *, max_items: int = 1000, description: Any = None) -> None:
        self.value, self.max_items, self.description = value, max_items, description

    def json_schema(self) -> dict[str, Any]:
        return self._described(
            {
                "type": "object",
                "propertyNames": {"pattern": "^[1-9][0-9]{0,9}$"},
                "additionalProperties": self.value.json_schema(),
                "maxProperties": self.max_items,
            }
        )

    def load(self, value: Any) -> dict[int, Any]:
        if not isinstance(value, dict):
            raise Invalid(_l("Enter an object keyed by id."))
        if len(value) > self.max_items:
            raise Invalid(_l("At most %(n)d items.", n=self.max_items))
        out, errors = {}, {}
        for key, item in value.items():
            if not re.fullmatch(r"[1-9][0-9]{0,9}", key) or int(key) > MAX_ID:
                errors[key] = _l("Not a valid id.")
                continue
            try:
                out[int(key)] = self.value.load(item)
            except Invalid as exc:
                errors.update(_prefixed(key, exc.errors))
        if errors:
            raise Invalid(errors=errors)
        return out

    def shapes(self) -> Iterator[Shape]:
        yield from _shapes_of(self.value)


@dataclass(frozen=True)
class Field:
    """A field of a shape. Answers always carry every field; ``required`` matters for requests."""

    type: Type
    required: bool = True
    nullable: bool = False
    description: Any = None

    def json_schema(self) -> dict[str, Any]:
        schema = self.type.json_schema()
        if self.nullable:
            if "$ref" in schema:
                schema = {"anyOf": [schema, {"type": "null"}]}
            else:
                schema = dict(schema)
                schema["type"] = [schema["type"], "null"]
                if "enum" in schema:
                    schema["enum"] = [*schema["enum"], None]
        if self.description is not None:
            schema = {**schema, "description": str(self.description)}
        return schema


def _prefixed(prefix: str, errors: dict[str, Any]) -> dict[str, Any]:
    return {(f"{prefix}.{k}" if k else prefix): v for k, v in errors.items()}


def _shapes_of(t: Type) -> Iterator[Shape]:
    if isinstance(t, Shape):
        yield t
    else:
        yield from t.shapes()


class Shape(Type):
    """A named JSON object: a component of the OpenAPI document.

    ``load`` refuses unknown fields (typos never pass silently) and fills
    absent optional fields with None; ``dump`` writes exactly the declared
    fields from a mapping, so an answer can never carry an undocumented key.
    """

    def __init__(self, name: str, fields: dict[str, Field], *, description: Any = None, open: bool = False) -> None:
        self.name, self.fields, self.description, self.open = name, fields, description, open

    def json_schema(self) -> dict[str, Any]:
        return {"$ref": f"#/components/schemas/{self.name}"}

    def component(self) -> dict[str, Any]:
        schema: dict[str, Any] = {
            "type": "object",
            "properties": {name: f.json_schema() for name, f in self.fields.items()},
            "required": [name for name, f in self.fields.items() if f.required],
            "additionalProperties": self.open,
        }
        return self._described(schema)

    def shapes(self) -> Iterator[Shape]:
        for f in self.fields.values():
            yield from _shapes_of(f.type)

    def load(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise Invalid(_l("Send a JSON object."))
        out: dict[str, Any] = {}
        errors: dict[str, Any] = {}
        for key in value.keys() - self.fields.keys():
            if not self.open:
                errors[key] = _l("Unknown field.")
        for name, f in self.fields.items():
            if name not in value:
                if f.required:
                    errors[name] = _l("This field is required.")
                out[name] = None
                continue
            raw = value[name]
            if raw is None:
                if not f.nullable:
                    errors[name] = (
                        _l("This field cannot be empty.") if f.required else _l("Leave the field out or give a value.")
                    )
                out[name] = None
                continue
            try:
                out[name] = f.type.load(raw)
            except Invalid as exc:
                errors.update(_prefixed(name, exc.errors))
        if errors:
            raise Invalid(errors=errors)
        return out

    def validate(self, value: Any) -> dict[str, Any]:
        """Load a request's data, or raise the 400 ValidationError with every bad field."""
        try:
            return self.load(value)
        except Invalid as exc:
            raise ValidationError({k or "body": v for k, v in exc.errors.items()}) from None

    def dump(self, value: Mapping[str, Any]) -> dict[str, Any]:
        return {
            name: (None if value[name] is None and f.nullable else f.type.dump(value[name]))
            for name, f in self.fields.items()
        }


class Params(Shape):
    """Query-string parameters: each value arrives as text and is parsed by its type."""

    def __init__(self, fields: dict[str, Field]) -> None:
        super().__init__("", fields, open=True)

    def validate_args(self, args: Mapping[str, str]) -> dict[str, Any]:
        """Unknown parameters are refused, so that a misspelt filter never silently lists everything."""
        out: dict[str, Any] = {}
        errors: dict[str, Any] = {name: _l("Unknown parameter.") for name in args.keys() - self.fields.keys()}
        for name, f in self.fields.items():
            text = args.get(name)
            if text is None:
                if f.required:
                    errors[name] = _l("This parameter is required.")
                out[name] = None
                continue
            if text == "":
                errors[name] = _l("Give a value or leave the parameter out.")
                continue
            try:
                out[name] = f.type.parse(text)
            except Invalid as exc:
                errors.update(_prefixed(name, exc.errors))
        if errors:
            raise ValidationError(errors)
        return out


@functools.cache
def page_of(item: Shape) -> Shape:
    """The list answer: ``{"items": [...], "next": cursor-or-null}``."""
    return Shape(
        f"{item.name}Page",
        {
            "items": Field(List(item)),
            "next": Field(
                Text(max_length=100),
                nullable=True,
                description=_l("Pass as `cursor` to get the next page; null on the last page."),
            ),
        },
        description=_l("One page of a list."),
    )
