"""The model registry: a folder (a Docker volume) shared by every run that promotes.

Layout::

    REGISTRY_DIR/
      .lock                 fcntl lock file: held while a run settles, reads the champion and adds a version; a
                            regular file holding one JSON line naming its holder (version, host, pid, since)
      champion.json         {"version": N}: the pointer, replaced atomically (write, fsync, os.replace)
      versions/N/           one folder per version, N = 1, 2, ... allocated under the lock, never reused
        metadata.json       what the version is, how it scored, the verdict and its reason, each model file's sha256
        model.json          the model's descriptor, and model.ubj or model.joblib (model_store.py)
        report.html         the run's report, with report.css and its figures (absent when it could not be written)

Verdicts: ``rejected`` (written whole), ``pending`` -> ``promoted``, or ``pending`` -> ``aborted``. A
version the gate let through is written as pending; moving the pointer to it (one os.replace) is the
commit, and only then is it marked promoted. A stop signal in that step waits for its end; a SIGKILL
or a write error leaves it pending, and the next run settles it under the lock: promoted if the
pointer names it (the commit happened), otherwise aborted, with the reason, in its metadata and report.
So after any failure the registry holds either the old champion with the new version aborted, or the
new champion.

A version folder is assembled in a hidden staging folder and renamed into place, so a reader sees a
whole version or none. Before anything is written every metadata file and the pointer are read and
checked: a corrupt registry is reported (exit 6) and left exactly as it was. A write that fails (no
space, no permission) exits 6 naming the registry.

Waiting for the lock is bounded: a run that finds it held prints who holds it and gives up after
REGISTRY_LOCK_TIMEOUT_SECONDS (exit 7), having written nothing.
"""

import contextlib
import datetime
import errno
import fcntl
import json
import os
import shutil
import signal
import socket
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ..contract import EXIT_BAD_REGISTRY, EXIT_REGISTRY_BUSY
from ..evaluation import report
from ..process import artifacts, stopping
from ..process.errors import PipelineError

LOCK_FILE = ".lock"
CHAMPION_FILE = "champion.json"
VERSIONS_DIR = "versions"
METADATA_FILE = "metadata.json"
STAGING_PREFIX = ".staging-"
VERDICTS: tuple[str, ...] = ("pending", "promoted", "rejected", "aborted")
# A test hook, not a setting: "STEP" or "STEP:SIGNAL" makes the run send itself SIGNAL (SIGKILL when
# none is named) at that step of recording a version, so every step's failure can be provoked for real.
FAILPOINT_VARIABLE = "REGISTRY_FAILPOINT"
FAILPOINT_STEPS: tuple[str, ...] = ("staged", "pending", "pointer", "promoted")
LOCK_POLL_SECONDS = 0.2


class RegistryError(PipelineError):
    """The registry is missing, unreadable, unwritable or holds a file that is not what it should be."""

    exit_code = EXIT_BAD_REGISTRY


class RegistryBusy(PipelineError):
    """Another run held the registry's lock for longer than this run was allowed to wait."""

    exit_code = EXIT_REGISTRY_BUSY


@dataclass(frozen=True)
class Version:
    number: int
    folder: str
    metadata: Mapping[str, Any]

    @property
    def model_digests(self) -> Mapping[str, str] | None:
        """sha256 of each model file by name, recorded when the version was added (None: an older image's version)."""
        digests = self.metadata.get("model_files")
        return digests if isinstance(digests, dict) else None


def versions_dir(root: str) -> str:
    return os.path.join(root, VERSIONS_DIR)


def report_path(number: int) -> str:
    """Where a version's report is, relative to the versions folder (and to an exported copy of it)."""
    return f"{number}/{report.HTML_FILE}"


def check_root(root: str) -> None:
    if not os.path.isdir(root):
        raise RegistryError(
            f"REGISTRY_DIR={root!r} is not a directory; expected the model registry's volume mounted there"
        )


def file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device"


def not_a_lock_file(path: str, kind: str) -> RegistryError:
    return RegistryError(
        f"{path}: the registry's lock is {kind}, not a regular file; corrupt registry, nothing was written "
        "(remove it; the next run creates it again)"
    )


def open_lock(root: str) -> int:
    """The lock file's descriptor, created if missing. Anything but a regular file is refused before it is
    opened (a FIFO would block the open forever), and again on the opened descriptor (it may have been
    swapped in between: O_NOFOLLOW refuses a link, O_NONBLOCK keeps a FIFO from blocking)."""
    path = os.path.join(root, LOCK_FILE)
    try:
        mode: int | None = os.lstat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as error:
        raise RegistryError(f"{path}: unreadable ({error.strerror}); expected the registry's lock file") from None
    if mode is not None and not stat.S_ISREG(mode):
        raise not_a_lock_file(path, file_kind(mode))
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o666)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise not_a_lock_file(path, "a symbolic link") from None
        raise RegistryError(
            f"{root}: cannot open the lock file ({error.strerror}); expected a registry writable by the model's user"
        ) from None
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):
        os.close(descriptor)
        raise not_a_lock_file(path, file_kind(mode))
    return descriptor


def describe_holder(text: str) -> str:
    """The lock file's content as a person reads it: which version, on which host (a container's host name
    is its ID), which process, since when."""
    try:
        holder = json.loads(text)
    except ValueError:
        holder = None
    if not isinstance(holder, dict) or not holder.get("host"):
        return "a run that has not said who it is (it has just taken the lock, or is an older image)"
    version = holder.get("version")
    who = f"v{version}" if isinstance(version, int) else "a run not yet numbered"
    return f"{who} on host {holder['host']} (pid {holder.get('pid')}) since {holder.get('since')}"


def read_holder(descriptor: int) -> str:
    try:
        return describe_holder(os.pread(descriptor, 4096, 0).decode("utf-8", "replace"))
    except OSError:
        return describe_holder("")


class Lock:
    """The held lock; ``announce`` records this run's version in it, for the runs that wait."""

    def __init__(self, descriptor: int) -> None:
        self.descriptor = descriptor
        self.since = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        self.announce(None)

    def announce(self, version: int | None) -> None:
        line = json.dumps({"version": version, "host": socket.gethostname(), "pid": os.getpid(), "since": self.since})
        data = (line + "\n").encode()
        os.pwrite(self.descriptor, data, 0)
        os.ftruncate(self.descriptor, len(data))

    def clear(self) -> None:
        os.ftruncate(self.descriptor, 0)


def acquire(descriptor: int, path: str, timeout_seconds: float) -> None:
    """Takes the lock, waiting at most ``timeout_seconds``; says who holds it (once per holder) while it waits."""
    deadline = time.monotonic() + timeout_seconds
    reported = None
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        holder = read_holder(descriptor)
        if time.monotonic() >= deadline:
            raise RegistryBusy(
                f"{path}: still held by {holder} after waiting {timeout_seconds:g} s (REGISTRY_LOCK_TIMEOUT_SECONDS); "
                "nothing was written; expected that run to finish: run again later, stop it if it hangs "
                "(docker ps shows a container's ID as its host name), or raise REGISTRY_LOCK_TIMEOUT_SECONDS"
            )
        if holder != reported:
            print(
                f"waiting for the model registry's lock {path}: held by {holder}; "
                f"giving up after {timeout_seconds:g} s (REGISTRY_LOCK_TIMEOUT_SECONDS)",
                file=sys.stderr,
                flush=True,
            )
            reported = holder
        time.sleep(min(LOCK_POLL_SECONDS, max(deadline - time.monotonic(), 0.0)))


@contextmanager
def locked(root: str, timeout_seconds: float) -> Iterator[Lock]:
    """Holds the registry's lock: one run at a time reads the champion, allocates a version and writes.
    Waits at most ``timeout_seconds`` for another run's lock (RegistryBusy, exit 7)."""
    check_root(root)
    descriptor = open_lock(root)
    try:
        acquire(descriptor, os.path.join(root, LOCK_FILE), timeout_seconds)
        try:
            lock = Lock(descriptor)
        except OSError as error:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
            raise RegistryError(
                f"{os.path.join(root, LOCK_FILE)}: cannot be written ({error.strerror}); expected a registry writable by the model's user"
            ) from None
        try:
            yield lock
        finally:
            with contextlib.suppress(OSError):
                lock.clear()
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


def check_metadata(path: str, number: int, document: Any) -> Mapping[str, Any]:
    """The metadata of version ``number``, or RegistryError naming what is wrong with it."""
    problem = None
    if not isinstance(document, dict):
        problem = "not a JSON object"
    elif document.get("version") != number:
        problem = f"version={document.get('version')!r}, expected {number} (its folder's name)"
    elif document.get("verdict") not in VERDICTS:
        problem = f"verdict={document.get('verdict')!r}, expected one of {', '.join(VERDICTS)}"
    elif not isinstance(document.get("metrics"), dict) or not is_fraction(document["metrics"].get("validation_acc")):
        problem = "metrics.validation_acc is missing or not a number in [0, 1]"
    if problem:
        raise RegistryError(
            f"{path}: corrupt registry metadata: {problem}; nothing was written (move the version folder away or repair the file)"
        )
    return document


def is_fraction(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0.0 <= value <= 1.0


def read_json_file(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        raise RegistryError(f"{path}: missing; the registry is incomplete (nothing was written)") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise RegistryError(f"{path}: corrupt registry file, not valid JSON ({error}); nothing was written") from None
    except OSError as error:
        raise RegistryError(f"{path}: unreadable ({error.strerror})") from None


def read_versions(root: str) -> dict[int, Version]:
    """Every version in the registry, each metadata file checked; staging leftovers are skipped."""
    folder = versions_dir(root)
    if not os.path.isdir(folder):
        return {}
    found: dict[int, Version] = {}
    for name in sorted(os.listdir(folder)):
        if name.startswith("."):
            continue
        if not name.isdigit() or name != str(int(name)):
            raise RegistryError(
                f"{os.path.join(folder, name)}: unexpected entry in the registry; expected version folders named 1, 2, ..."
            )
        number = int(name)
        path = os.path.join(folder, name, METADATA_FILE)
        found[number] = Version(number, os.path.join(folder, name), check_metadata(path, number, read_json_file(path)))
    return found


def read_pointer(root: str) -> int | None:
    """The version number champion.json holds; None when there is no champion yet."""
    path = os.path.join(root, CHAMPION_FILE)
    if not os.path.exists(path):
        return None
    pointer = read_json_file(path)
    number = pointer.get("version") if isinstance(pointer, dict) else None
    if not isinstance(number, int) or isinstance(number, bool):
        raise RegistryError(f'{path}: holds {pointer!r}, not {{"version": N}}; nothing was written')
    return number


def champion_of(root: str, versions: Mapping[int, Version], pointer: int | None) -> Version | None:
    """The version the pointer names: promoted, or pending (the commit happened, the mark did not yet)."""
    if pointer is None:
        return None
    path = os.path.join(root, CHAMPION_FILE)
    if pointer not in versions:
        raise RegistryError(
            f"{path}: points at version {pointer!r}, which the registry does not hold; nothing was written"
        )
    verdict = versions[pointer].metadata["verdict"]
    if verdict not in ("promoted", "pending"):
        raise RegistryError(f"{path}: points at version {pointer}, which was {verdict}; nothing was written")
    return versions[pointer]


def read_champion(root: str, versions: Mapping[int, Version]) -> Version | None:
    """The version champion.json points at; None in a registry that has no champion yet."""
    return champion_of(root, versions, read_pointer(root))


def peek_champion(root: str) -> Version | None:
    """The champion as it is now, read without the lock (every file is replaced whole, so each read is
    consistent): the run scores it and draws its figures before waiting for the lock."""
    check_root(root)
    return read_champion(root, read_versions(root))


def next_number(versions: Mapping[int, Version]) -> int:
    return max(versions, default=0) + 1


def remove_staging_leftovers(root: str) -> None:
    """Staging folders a killed run left behind (only ever touched under the lock)."""
    folder = versions_dir(root)
    for name in os.listdir(folder):
        if name.startswith(STAGING_PREFIX):
            shutil.rmtree(os.path.join(folder, name), ignore_errors=True)


def add_version(root: str, number: int, metadata: Mapping[str, Any], files: Mapping[str, Callable[[str], None]]) -> str:
    """Writes ``files`` (name -> writer of that path) and metadata.json into a staging folder, then renames it
    to versions/<number> in one step. Call under the lock. Returns the version's folder."""
    folder = versions_dir(root)
    os.makedirs(folder, exist_ok=True)
    remove_staging_leftovers(root)
    staging = tempfile.mkdtemp(dir=folder, prefix=STAGING_PREFIX)
    try:
        for name, write in files.items():
            write(os.path.join(staging, name))
        artifacts.write_json(os.path.join(staging, METADATA_FILE), dict(metadata))
        os.chmod(staging, 0o755)
        failpoint("staged")
        target = os.path.join(folder, str(number))
        os.rename(staging, target)
        return target
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def set_champion(root: str, number: int) -> None:
    """Points champion.json at ``number``: written to a temporary file and os.replace'd (atomic)."""
    artifacts.write_json(os.path.join(root, CHAMPION_FILE), {"version": number})


def failpoint(step: str) -> None:
    """Sends this process the signal REGISTRY_FAILPOINT names when it names ``step`` (tests only)."""
    where, _, signal_name = os.environ.get(FAILPOINT_VARIABLE, "").partition(":")
    if where == step:
        os.kill(os.getpid(), signal.Signals[signal_name or "SIGKILL"])


def write_error(root: str, error: OSError, outcome: str) -> RegistryError:
    where = f" ({error.filename})" if error.filename else ""
    return RegistryError(
        f"{root}: the model registry cannot be written{where}: {error.strerror or error}; {outcome}; "
        "expected a registry volume with free space, writable by the model's user"
    )


def rewrite_metadata(version: Version, changes: Mapping[str, Any]) -> Version:
    metadata = {**version.metadata, **changes}
    artifacts.write_json(os.path.join(version.folder, METADATA_FILE), metadata)
    return Version(version.number, version.folder, metadata)


def abort(version: Version, reason: str) -> Version:
    """Marks a pending version aborted: its report first (so that no report outlives the mark saying it is the
    champion), then its metadata, which keeps the verdict it was meant to get."""
    report_file = os.path.join(version.folder, report.HTML_FILE)
    if os.path.isfile(report_file) and not os.path.islink(report_file):
        with open(report_file, encoding="utf-8") as handle:
            page = handle.read()
        try:
            artifacts.write_text(
                report_file, report.replace_verdict(page, f"verdict: v{version.number} aborted ({reason})")
            )
        except ValueError:  # not a page this image wrote: it cannot be corrected, so it does not stay
            artifacts.remove_file(report_file)
    intended = {"verdict": "promoted", "reason": version.metadata.get("reason")}
    return rewrite_metadata(
        version, {"verdict": "aborted", "reason": reason, "intended": intended, "aborted_at": utc_now()}
    )


def utc_now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def settle(root: str, versions: Mapping[int, Version], pointer: int | None, settled_by: str) -> dict[int, Version]:
    """Settles every version a stopped run left pending (call under the lock): the one the pointer names
    was committed and is marked promoted; any other is marked aborted."""
    settled = dict(versions)
    for number, version in versions.items():
        if version.metadata["verdict"] != "pending":
            continue
        try:
            if number == pointer:
                settled[number] = rewrite_metadata(version, {"verdict": "promoted"})
            else:
                settled[number] = abort(
                    version,
                    f"the run that wrote v{number} stopped before it moved the champion pointer; "
                    f"settled by {settled_by}",
                )
        except OSError as error:
            raise write_error(root, error, f"v{number} is still pending, nothing else was written") from None
        print(
            f"registry: v{number} was left pending by a stopped run; settled as {settled[number].metadata['verdict']}",
            file=sys.stderr,
            flush=True,
        )
    return settled


@dataclass(frozen=True)
class Settled:
    """The registry as a run that holds the lock finds it, once any pending version is settled."""

    versions: Mapping[int, Version]
    champion: Version | None
    number: int  # of the version this run adds


def settled(root: str, lock: Lock) -> Settled:
    """Call under the lock: reads and checks every version and the pointer, announces this run's version
    number in the lock (a run that waits is told who holds it) and settles what stopped runs left pending."""
    versions = read_versions(root)
    pointer = read_pointer(root)
    number = next_number(versions)
    lock.announce(number)
    versions = settle(root, versions, pointer, f"the run of v{number}")
    return Settled(versions, champion_of(root, versions, pointer), number)


def commit(root: str, version: Version) -> None:
    """Makes the pending ``version`` the champion: the pointer moves, then the version is marked promoted.
    A stop signal waits for both; a failed pointer write marks the version aborted (exit 6)."""
    with stopping.deferred():
        failpoint("pending")
        try:
            set_champion(root, version.number)
        except OSError as error:
            reason = f"the champion pointer could not be written ({error.strerror or error})"
            with contextlib.suppress(OSError):  # left pending: the next run settles it as aborted
                abort(version, reason)
            raise write_error(root, error, f"v{version.number} was not promoted, the champion is unchanged") from None
        failpoint("pointer")
        try:
            rewrite_metadata(version, {"verdict": "promoted"})
        except OSError as error:  # committed already: the next run marks it promoted
            print(
                f"warning: v{version.number} is the champion, but its metadata could not be marked promoted "
                f"({error.strerror or error}); the next run settles it",
                file=sys.stderr,
                flush=True,
            )
        failpoint("promoted")


def record(root: str, number: int, metadata: Mapping[str, Any], files: Mapping[str, Callable[[str], None]]) -> None:
    """Adds version ``number`` (call under the lock): rejected, written whole; promoted, written pending and committed."""
    promoted = metadata["verdict"] == "promoted"
    try:
        folder = add_version(root, number, {**metadata, "verdict": "pending"} if promoted else metadata, files)
    except OSError as error:
        raise write_error(root, error, "nothing was recorded") from None
    if promoted:
        commit(root, Version(number, folder, {**metadata, "verdict": "pending"}))
