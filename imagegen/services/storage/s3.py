"""S3 storage through boto3; browsers get presigned GETs that expire."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from imagegen.services.storage.base import Storage, StorageError, validate_key
from imagegen.settings.base import SharedSettings


class S3Storage(Storage):
    """Objects in one bucket; credentials come from the standard AWS variables."""

    kind = "s3"

    def __init__(self, settings: SharedSettings) -> None:
        if not settings.s3_bucket:
            raise StorageError("S3_BUCKET is not set")
        self.bucket = settings.s3_bucket
        # A session of its own: boto3's default session caches the first credentials it saw.
        self.client = boto3.session.Session().client(
            "s3",
            endpoint_url=settings.s3_endpoint_url or None,
            region_name=settings.s3_region,
            config=Config(
                signature_version="s3v4",
                s3={"addressing_style": "path"},
                retries={"max_attempts": 3, "mode": "standard"},
                connect_timeout=5,
                read_timeout=30,
            ),
        )

    def _fail(self, op: str, key: str, e: Exception) -> StorageError:
        code = getattr(e, "response", {}).get("Error", {}).get("Code", type(e).__name__)
        return StorageError(f"S3 {op} failed for {key} in bucket {self.bucket}: {code}")

    def put(self, key: str, data: bytes, content_type: str) -> None:
        try:
            self.client.put_object(
                Bucket=self.bucket, Key=validate_key(key), Body=data, ContentType=content_type
            )
        except (BotoCoreError, ClientError) as e:
            raise self._fail("put", key, e) from e

    def _head(self, key: str) -> dict | None:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=validate_key(key))
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise self._fail("head", key, e) from e
        except BotoCoreError as e:
            raise self._fail("head", key, e) from e

    def get(self, key: str) -> bytes:
        try:
            obj = self.client.get_object(Bucket=self.bucket, Key=validate_key(key))
            return obj["Body"].read()
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                raise KeyError(key) from e
            raise self._fail("get", key, e) from e
        except BotoCoreError as e:
            raise self._fail("get", key, e) from e

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def size(self, key: str) -> int:
        head = self._head(key)
        if head is None:
            raise KeyError(key)
        return int(head["ContentLength"])

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=validate_key(key))
        except (BotoCoreError, ClientError) as e:
            raise self._fail("delete", key, e) from e

    def list(self, prefix: str) -> Iterator[tuple[str, float]]:
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=prefix
            )
            for page in pages:
                for obj in page.get("Contents", []):
                    yield obj["Key"], obj["LastModified"].timestamp()
        except (BotoCoreError, ClientError) as e:
            raise self._fail("list", prefix, e) from e

    def url(self, key: str, ttl: int, download_name: str | None = None, base_url: str = "") -> str:
        params = {"Bucket": self.bucket, "Key": validate_key(key)}
        if download_name is not None:
            params["ResponseContentDisposition"] = f'attachment; filename="{download_name}"'
        return self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=ttl)

    def ensure_bucket(self) -> None:
        """Creates the bucket if missing (handy for a fresh S3-compatible server)."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError:
            self.client.create_bucket(Bucket=self.bucket)
