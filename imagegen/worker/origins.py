"""Where the worker may send results: only back to the app it serves (IMAGEGEN_APP_URL)."""

from __future__ import annotations

from urllib.parse import urlsplit

from imagegen.settings.worker import WorkerSettings

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class CallbackRefused(ValueError):
    """A callback URL outside the app's own address."""


def _parts(url: str) -> tuple[str, str, int | None, str]:
    p = urlsplit(url)
    port = p.port or {"http": 80, "https": 443}.get(p.scheme)
    return p.scheme.lower(), (p.hostname or "").lower(), port, p.path


def check_callback(url: str | None, settings: WorkerSettings) -> None:
    """Refuses a URL that is not under IMAGEGEN_APP_URL: a signed result sent anywhere else
    would hand a stranger a valid signature and our images."""
    if url is None:
        return
    try:
        scheme, host, port, path = _parts(url)
        if not settings.app_url:  # not configured: this machine's own addresses only
            if scheme in ("http", "https") and host in LOOPBACK:
                return
            raise CallbackRefused(
                "must be on this machine (127.0.0.1 or localhost) while IMAGEGEN_APP_URL is not set"
            )
        base = settings.app_url
        b_scheme, b_host, b_port, b_path = _parts(base)
    except ValueError as e:  # a bad port number
        raise CallbackRefused(f"not a valid URL ({e})") from e
    prefix = b_path.rstrip("/") + "/"
    if (scheme, host, port) != (b_scheme, b_host, b_port) or not path.startswith(prefix):
        raise CallbackRefused(f"must be under the app's URL {base} (IMAGEGEN_APP_URL)")
