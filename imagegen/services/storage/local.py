"""Local-directory storage: the embedded default; files are served only through signed URLs."""

from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from imagegen.services import signing
from imagegen.services.routes import Route, path
from imagegen.services.storage.base import Storage, StorageError, validate_key
from imagegen.settings.base import private_dir


class LocalStorage(Storage):
    """Objects as files under a root directory."""

    kind = "local"

    def __init__(self, root: Path, secret_key: bytes) -> None:
        self.root = private_dir(Path(root).resolve())
        self._key = secret_key

    def path(self, key: str) -> Path:
        """The file behind key, guaranteed to sit inside the root."""
        p = (self.root / validate_key(key)).resolve()
        if self.root not in p.parents:
            raise ValueError(f"invalid storage key: {key!r}")
        return p

    def put(self, key: str, data: bytes, content_type: str) -> None:
        p = self.path(key)
        try:
            p.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=".tmp-")  # created 0600
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, p)
        except OSError as e:
            raise StorageError(f"local storage write failed for {key}: {e.strerror}") from e

    def get(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError as e:
            raise KeyError(key) from e

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def size(self, key: str) -> int:
        try:
            return self.path(key).stat().st_size
        except FileNotFoundError as e:
            raise KeyError(key) from e

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def list(self, prefix: str) -> Iterator[tuple[str, float]]:
        base = self.root / prefix if prefix else self.root
        if not base.is_dir():
            return
        for dirpath, _dirs, files in os.walk(base):
            for name in files:
                if name.startswith(".tmp-"):
                    continue  # a write in progress
                full = Path(dirpath) / name
                try:
                    mtime = full.stat().st_mtime
                except FileNotFoundError:
                    continue  # deleted meanwhile
                yield full.relative_to(self.root).as_posix(), mtime

    def url(self, key: str, ttl: int, download_name: str | None = None, base_url: str = "") -> str:
        download = download_name is not None
        expires, sig = signing.sign(self._key, key, ttl, download, name=download_name or "")
        return _minted(base_url, key, expires, sig, download_name)

    def verify(self, key: str, expires: int, sig: str, download: str | bool | None) -> bool:
        """Checks a URL's signature as minted by url(), download name included (a str)."""
        name = download if isinstance(download, str) else ""
        wanted = download is not None and download is not False
        return signing.verify(self._key, key, expires, sig, wanted, name=name)


@functools.lru_cache(maxsize=50_000)
def _minted(base_url: str, key: str, expires: int, sig: str, download_name: str | None) -> str:
    """A file URL; the same (key, expiry window) comes back on every page, so it is built once."""
    # exp is digits and sig hex: only the key and the name need quoting.
    query = f"exp={expires}&sig={sig}"
    if download_name is not None:
        query += f"&download={quote(download_name, safe='')}"
    return f"{base_url.rstrip('/')}{path(Route.FILE, key=key)}?{query}"
