"""The AuthProvider interface: turn a bearer token into a user, or refuse."""

from __future__ import annotations

import abc
from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    """The signed-in user as every door sees them."""

    user_id: str
    email: str


class AuthProvider(abc.ABC):
    """Verifies tokens; providers with their own sign-in UI need not implement sign-up."""

    name: str = "abstract"

    @abc.abstractmethod
    def authenticate(self, token: str | None) -> Principal | None:
        """The principal behind a token, or None when it is missing, unknown or expired."""
