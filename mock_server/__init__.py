"""A faithful, stateful mock of the Altcraft promo-code API: the contract suite's embedded default target."""

DEFAULT_TOKEN = "mock-token"  # noqa: S105 - the documented token of a local mock
TOKEN_ENV = "ALTCRAFT_TOKEN"  # noqa: S105 - a variable name, not a secret

__all__ = ["DEFAULT_TOKEN", "TOKEN_ENV"]
