"""The one error type of spec loading: a message and the JSON-pointer location it refers to."""

from __future__ import annotations


class SpecError(Exception):
    """The spec cannot be used; ``pointer`` says where (RFC 6901, ``""`` for the whole file)."""

    def __init__(self, path: str, pointer: str, message: str) -> None:
        self.path = path
        self.pointer = pointer
        self.message = message
        super().__init__(f"{path}#{pointer}: {message}")
