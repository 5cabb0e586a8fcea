"""One pooled HTTP client for the app's calls to the worker: a new client per call costs tens
of milliseconds of CPU (TLS context, pool), which a busy app cannot spend on every submit."""

from __future__ import annotations

from functools import lru_cache

import httpx


@lru_cache
def worker_http() -> httpx.Client:
    """Thread-safe and keep-alive; each call passes its own timeout."""
    return httpx.Client(limits=httpx.Limits(max_connections=64, max_keepalive_connections=16))
