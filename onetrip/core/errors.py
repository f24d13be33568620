"""Domain errors. Services raise these; the API turns them into problem details (RFC 9457) and
pages into form errors. Messages are lazy translations so they reach the user in their language."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str | Promise
    code: str = "invalid"


class DomainError(Exception):
    """A request the domain refuses. `status` is the HTTP status an interface should answer with."""

    status = 409

    def __init__(self, message: str | Promise, *, code: str = "conflict") -> None:
        super().__init__(str(message))
        self.message = message
        self.code = code


class InvalidInput(DomainError):
    """Input that fails validation; names each offending field."""

    status = 422

    def __init__(self, *errors: FieldError) -> None:
        super().__init__(errors[0].message, code="invalid")
        self.errors = errors

    @classmethod
    def field(cls, field: str, message: str | Promise, code: str = "invalid") -> InvalidInput:
        return cls(FieldError(field, message, code))


class KeyReused(InvalidInput):
    """A retry key (an Idempotency-Key, a charge's order-line key) sent again with a different
    request. Answering with the first request's result would be wrong for this one: a conflict
    (409), naming the key's field."""

    status = 409


class PermissionDenied(DomainError):
    status = 403

    def __init__(self, message: str | Promise, *, code: str = "forbidden") -> None:
        super().__init__(message, code=code)


class NotFound(DomainError):
    status = 404

    def __init__(self, message: str | Promise, *, code: str = "not_found") -> None:
        super().__init__(message, code=code)


class NotAuthenticated(DomainError):
    status = 401

    def __init__(self, message: str | Promise, *, code: str = "unauthenticated") -> None:
        super().__init__(message, code=code)


class TooManyRequests(DomainError):
    """A rate limit spent (D58): answered 429 with how long to wait."""

    status = 429

    def __init__(
        self, message: str | Promise, *, retry_after: int, code: str = "rate_limited"
    ) -> None:
        super().__init__(message, code=code)
        self.retry_after = max(1, retry_after)


class UnsupportedMediaType(DomainError):
    """A body in a format the endpoint does not take (the API takes JSON only)."""

    status = 415

    def __init__(self, message: str | Promise, *, code: str = "unsupported_media_type") -> None:
        super().__init__(message, code=code)
