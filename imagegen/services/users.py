"""User lifecycle: deleting a user takes their generations, rows and stored files with them."""

from __future__ import annotations

from sqlmodel import delete, select

from imagegen.db import session_scope
from imagegen.models import AuthSession, ImageGeneration, User
from imagegen.services.generations import purge


def delete_user_data(user_id: str) -> dict[str, int]:
    """Removes every row of the user, then every object; returns what was removed."""
    with session_scope() as db:
        gens = list(
            db.exec(select(ImageGeneration).where(ImageGeneration.owner_id == user_id)).all()
        )
    removed = purge(gens)
    with session_scope() as db:
        db.exec(delete(AuthSession).where(AuthSession.user_id == user_id))
        db.exec(delete(User).where(User.id == user_id))
    return {"generations": len(gens), "objects": removed}
