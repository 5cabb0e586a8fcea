"""The AuthProvider interface: turn a bearer token into a user, or refuse."""

from __future__ import annotations

import abc
from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    """The signed-in user as every door sees them."""

    user_id: str
    email: str
    # Through a personal API key: which one, and its scope ("full" for a signed-in session).
    key_id: str = ""
    key_name: str = ""
    scope: str = "full"

    @property
    def display_name(self) -> str:
        """What the header shows: the email, else (a Clerk token without one) the user id."""
        return self.email or self.user_id


class AuthProvider(abc.ABC):
    """Verifies tokens; providers with their own sign-in UI need not implement sign-up."""

    name: str = "abstract"

    @abc.abstractmethod
    def authenticate(self, token: str | None) -> Principal | None:
        """The principal behind a token, or None when it is missing, unknown or expired."""
