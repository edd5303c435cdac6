"""Domain errors carry a stable English code; entry points map codes to Vietnamese text."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    def __init__(self, code: str, /, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    def __repr__(self) -> str:
        return f"DomainError({self.code!r}, {self.params!r})"
