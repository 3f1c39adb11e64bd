"""The domain's exceptions: one type per kind of refusal, each with a code,
a translatable message and the HTTP status the web and API layers answer with."""

from __future__ import annotations

from typing import Any

from projectunion.i18n import _l


class DomainError(Exception):
    status = 400
    code = "error"

    def __init__(self, message: Any = None, **details: Any) -> None:
        self.message = message if message is not None else self.default_message()
        self.details = details
        super().__init__(str(self.message))

    def default_message(self) -> Any:
        return _l("The request could not be carried out.")

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": str(self.message), **self.details}


class ValidationError(DomainError):
    """Bad input; ``fields`` maps a field name to its message."""

    status = 400
    code = "validation_error"

    def __init__(self, fields: dict[str, Any], message: Any = None) -> None:
        self.fields = fields
        super().__init__(
            message if message is not None else _l("Some values are not valid."),
            fields={k: str(v) for k, v in fields.items()},
        )


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"

    def default_message(self) -> Any:
        return _l("You are not allowed to do this.")


class NotFound(DomainError):
    status = 404
    code = "not_found"

    def default_message(self) -> Any:
        return _l("Not found.")


class Anonymised(DomainError):
    """The person's data was anonymised under the retention rule: the number is no longer held."""

    status = 410
    code = "anonymised"

    def __init__(self, on) -> None:
        if on is None:
            message = _l(
                "This person’s data was anonymised under the retention rule: the ID number is no longer held,"
                " so there is nothing to reveal."
            )
        else:
            message = _l(
                "This person’s data was anonymised on %(date)s under the retention rule: the ID number is no"
                " longer held, so there is nothing to reveal.",
                date=on,
            )
        super().__init__(message, anonymised_on=on.isoformat() if on is not None else None)


class Conflict(DomainError):
    status = 409
    code = "conflict"


class InvalidTransition(Conflict):
    """A refused transition: the event is not allowed now, or a guard refused it."""

    code = "invalid_transition"

    def __init__(self, machine: str, event: str, state: str, allowed: list[str], reason: Any = None) -> None:
        self.machine, self.event, self.state, self.allowed, self.reason = machine, event, state, allowed, reason
        message = reason or _l(
            "“%(event)s” is not possible while the %(machine)s is “%(state)s”.",
            event=event,
            machine=machine,
            state=state,
        )
        super().__init__(message, event=event, state=state, allowed=list(allowed))


class AlreadyMember(Conflict):
    """The worker is already an active member (elsewhere, unless ``union_id`` is the same union)."""

    code = "already_member"

    def __init__(self, union_id: int, union_name: str, membership_id: int, message: Any = None) -> None:
        self.union_id, self.union_name, self.membership_id = union_id, union_name, membership_id
        super().__init__(
            message or _l("This worker is already an active member of %(union)s.", union=union_name),
            union_id=union_id,
            union_name=union_name,
            membership_id=membership_id,
        )


class EnrollmentClosed(Conflict):
    code = "enrollment_closed"
