"""Running the model image with the docker CLI, for the integration tests."""

import hashlib
import json
import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
# This clone's tag (as test/support/paths.ts checkoutId names it), so clones testing on one engine keep apart.
IMAGE_TAG = f"adult-mlops-model:test-py-{hashlib.sha256(str(REPO_ROOT).encode()).hexdigest()[:8]}"
# The stack's base image (Pulumi.yaml's baseImage default): the one the model image is built from.
BASE_IMAGE = yaml.safe_load((REPO_ROOT / "Pulumi.yaml").read_text())["config"]["baseImage"]["default"]
RUN_TIMEOUT_SECONDS = 600


def docker(*args: str, timeout: int = RUN_TIMEOUT_SECONDS) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)


def build_image(context: Path, tag: str = IMAGE_TAG) -> str:
    result = docker(
        "build", "--quiet", "--build-arg", f"BASE_IMAGE={BASE_IMAGE}", "--tag", tag, str(context), timeout=1800
    )
    assert result.returncode == 0, f"docker build failed:\n{result.stderr}"
    return tag


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str

    def summary(self) -> dict[str, Any]:
        """The JSON object on the last line of stdout."""
        return json.loads(self.stdout.strip().splitlines()[-1])

    def stderr_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


def writable_mount(folder: Path, target: str) -> list[str]:
    """Mounts a host folder the container may write to. As root (CI), the image's own user writes
    into a world-writable folder; otherwise the container runs as the caller so cleanup works."""
    folder.chmod(0o777)
    user = [] if os.getuid() == 0 else ["--user", f"{os.getuid()}:{os.getgid()}"]
    return [*user, "-v", f"{folder}:{target}"]


def run_image(
    image: str,
    env: Mapping[str, str] = {},
    data: str | Path | None = None,
    data_readonly: bool = True,
    work: Path | None = None,
    network_host: bool = False,
    command: Sequence[str] = (),
) -> Run:
    """``docker run --rm`` the image; ``data`` (a host folder or a volume name) is mounted at /data,
    ``work`` (a host folder) at /work."""
    args = ["run", "--rm"]
    if network_host:
        args += ["--network", "host"]
    else:
        args += ["--network", "none"]
    if data is not None:
        args += ["-v", f"{data}:/data{':ro' if data_readonly else ''}"]
    if work is not None:
        args += writable_mount(work, "/work")
    for name, value in env.items():
        args += ["-e", f"{name}={value}"]
    result = docker(*args, image, *command)
    return Run(result.returncode, result.stdout, result.stderr)


def files_under(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())
