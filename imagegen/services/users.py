"""User lifecycle: deleting a user takes their generations, rows and stored files with them."""

from __future__ import annotations

import logging

from sqlmodel import col, delete, select

from imagegen.db import session_scope
from imagegen.models import AuthSession, ImageFile, ImageGeneration, User
from imagegen.services.storage import StorageError, get_storage
from imagegen.worker.contract import object_key, thumbnail_key

log = logging.getLogger("imagegen.users")


def delete_user_data(user_id: str) -> dict[str, int]:
    """Removes every row of the user, then every object; returns what was removed."""
    with session_scope() as db:
        gens = db.exec(select(ImageGeneration).where(ImageGeneration.author_id == user_id)).all()
        ids = [g.id for g in gens]
        keys: set[str] = set()
        if ids:
            files = select(ImageFile.s3_key).where(col(ImageFile.generation_id).in_(ids))
            keys = set(db.exec(files).all())
        # In-flight generations may have objects but no rows yet: their keys are derivable.
        keys |= {
            k
            for g in gens
            for i in range(g.num_images)
            for k in (object_key(g.id, i), thumbnail_key(g.id, i))
        }
        if ids:
            db.exec(delete(ImageFile).where(col(ImageFile.generation_id).in_(ids)))
            db.exec(delete(ImageGeneration).where(col(ImageGeneration.id).in_(ids)))
        db.exec(delete(AuthSession).where(AuthSession.user_id == user_id))
        db.exec(delete(User).where(User.id == user_id))
    storage, removed = get_storage(), 0
    for key in sorted(keys):  # rows first: a failure here leaves an orphan, never a dead link
        try:
            if storage.exists(key):
                storage.delete(key)
                removed += 1
        except StorageError:
            log.exception("could not delete %s of deleted user %s", key, user_id)
    return {"generations": len(ids), "objects": removed}
