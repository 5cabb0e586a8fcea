"""Completion notifications: in-process for one app process, Redis pub/sub for several."""

from __future__ import annotations

from functools import lru_cache

from imagegen.services.notify.base import Notifier, user_topic
from imagegen.services.notify.local import InProcessNotifier

__all__ = ["InProcessNotifier", "Notifier", "get_notifier", "user_topic"]


@lru_cache
def get_notifier() -> Notifier:
    """The process-wide notifier: Redis when REDIS_URL is set, else in-process."""
    from imagegen.settings.app import get_app_settings

    url = get_app_settings().redis_url
    if url:
        from imagegen.services.notify.redis import RedisNotifier

        return RedisNotifier(url)
    return InProcessNotifier()
