"""Notifications across app processes through a real Redis: a publish in one process wakes
waiters in another, progress relays reach its board, and a Redis restart is survived."""

from __future__ import annotations

import asyncio

import pytest

from imagegen.services.notify.redis import RedisNotifier
from imagegen.services.progress import get_progress_board
from tests.integration.redis_server import TempRedis


@pytest.fixture
def redis_url():
    with TempRedis() as server:
        yield server


async def test_a_publish_wakes_waiters_in_another_process(redis_url, app_env):
    a, b = RedisNotifier(redis_url.url), RedisNotifier(redis_url.url)  # two app processes
    try:
        with b.subscribe("gen-1") as changed, b.subscribe("gen-2") as other:
            a.publish("gen-1")
            await asyncio.wait_for(changed.wait(), 5)
            await asyncio.sleep(0.1)
            assert not other.is_set()
        assert b.subscriber_count() == 0
        # A progress relay lands on the other process's board (here both share one board, so
        # clear it first: what arrives can only have come through Redis).
        board = get_progress_board()
        with b.subscribe("gen-3") as changed:
            a.publish("gen-3", {"percent": 42, "queue": 0, "preview": None})
            await asyncio.wait_for(changed.wait(), 5)
        assert board.get("gen-3").percent == 42
        with b.subscribe("gen-3") as changed:
            a.publish("gen-3", {"done": True})
            await asyncio.wait_for(changed.wait(), 5)
        assert board.get("gen-3").done
    finally:
        a.close()
        b.close()


async def test_waiters_wake_again_after_redis_comes_back(app_env):
    server = TempRedis()
    with server:
        url, port = server.url, server.port
        n = RedisNotifier(url)
        with n.subscribe("gen-9") as changed:
            server.proc.kill()
            server.proc.wait()
            restarted = TempRedis()
            restarted.port, restarted.url = port, url
            with restarted:
                # Back on its feet, the listener resubscribes and wakes every waiter: each
                # re-reads the database, so nothing published during the gap is missed.
                await asyncio.wait_for(changed.wait(), 15)
                changed.clear()
                other = RedisNotifier(url)
                other.publish("gen-9")
                await asyncio.wait_for(changed.wait(), 5)
                other.close()
        n.close()
