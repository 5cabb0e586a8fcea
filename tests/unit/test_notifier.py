"""The in-process notifier wakes waiters on their own loop, from any thread."""

import asyncio
import threading

from imagegen.services.notify import InProcessNotifier


async def test_publish_from_another_thread_wakes_the_waiter():
    n = InProcessNotifier()
    with n.subscribe("g1") as changed:
        threading.Timer(0.05, n.publish, args=("g1",)).start()
        await asyncio.wait_for(changed.wait(), 2)
    assert n.subscriber_count() == 0


async def test_other_generations_do_not_wake_the_waiter():
    n = InProcessNotifier()
    with n.subscribe("g1") as changed:
        n.publish("g2")
        await asyncio.sleep(0.05)
        assert not changed.is_set()
