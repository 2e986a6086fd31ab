"""Versions of the embedded index: directories side by side, and which one is read and written.

A version is a directory under DIPTYCH_INDEX_DIR: `v-<fingerprint>` (the first of a layout, what
every start made before rebuilds existed) or `v-<fingerprint>-<n>` (what `diptych rebuild` makes,
n = 2, 3, ...). Per layout, `versions-<fingerprint>.json` names the version queries READ and the
version the projector WRITEs; without it both are `v-<fingerprint>`. The file is replaced whole
(a temporary file, then `os.replace`), so a reader sees the old pointers or the new, never half.

Pointers are per layout: processes of an older layout keep reading and writing theirs while a
newer code's `diptych rebuild` prepares its own, and no version is ever opened with another
layout's schema.

Two locks beside them, `flock`s that die with their process (so a crash never leaves one held):
`projector-<fingerprint>.lock`, held by the one process that projects into the layout (the live
projector, or a rebuild handing over when none runs), and `rebuild.lock`, held by a running
`diptych rebuild`.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import IO


@dataclass(frozen=True)
class Pointers:
    read: str
    write: str


class FileLock:
    """An exclusive `flock` on `path`; what the holder wrote into it says who holds it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    @property
    def held(self) -> bool:
        return self._file is not None

    def try_acquire(self, holder: str = "") -> bool:
        """Take the lock at once (True) or not at all (False: someone else holds it)."""
        if self._file is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        file = self.path.open("a+")
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.close()
            return False
        file.truncate(0)
        file.write(holder)
        file.flush()
        self._file = file
        return True

    def holder(self) -> str:
        """What the current holder wrote (its pid, since when); empty when unknown."""
        with contextlib.suppress(OSError):
            return self.path.read_text().strip()
        return ""

    def release(self) -> None:
        file, self._file = self._file, None
        if file is not None:
            file.close()  # closing the file releases the lock


class IndexVersions:
    """The versions of one layout (`fingerprint`) under `root`."""

    def __init__(self, root: Path, fingerprint: str) -> None:
        self.root, self.fingerprint = root, fingerprint
        self.first = f"v-{fingerprint}"
        self.pointer_file = root / f"versions-{fingerprint}.json"
        self._pattern = re.compile(rf"v-{re.escape(fingerprint)}(?:-(\d+))?")

    def projector_lock(self) -> FileLock:
        return FileLock(self.root / f"projector-{self.fingerprint}.lock")

    def rebuild_lock(self) -> FileLock:
        return FileLock(self.root / "rebuild.lock")

    def path(self, name: str) -> Path:
        return self.root / name

    def pointers(self) -> Pointers:
        try:
            stored = json.loads(self.pointer_file.read_text())
            return Pointers(str(stored["read"]), str(stored["write"]))
        except FileNotFoundError:
            return Pointers(self.first, self.first)

    def stamp(self) -> tuple[int, int, int]:
        """What changes whenever the pointers are replaced (a new file each time)."""
        try:
            stat = self.pointer_file.stat()
        except FileNotFoundError:
            return (0, 0, 0)
        return (stat.st_ino, stat.st_mtime_ns, stat.st_size)

    def point(self, read: str | None = None, write: str | None = None) -> Pointers:
        """Replace the pointers (the ones not given stay), atomically; return the new ones."""
        current = self.pointers()
        new = Pointers(read or current.read, write or current.write)
        self.root.mkdir(parents=True, exist_ok=True)
        temporary = self.pointer_file.with_suffix(f".tmp-{os.getpid()}")
        with temporary.open("w") as file:
            json.dump({"read": new.read, "write": new.write}, file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self.pointer_file)
        return new

    def names(self) -> list[str]:
        """This layout's versions on disk, oldest first."""
        found: list[tuple[int, str]] = []
        for entry in self.root.iterdir() if self.root.is_dir() else ():
            match = self._pattern.fullmatch(entry.name)
            if match and entry.is_dir():
                found.append((int(match.group(1) or 1), entry.name))
        return [name for _, name in sorted(found)]

    def next_name(self) -> str:
        serials = [int(m.group(1) or 1) for n in self.names() if (m := self._pattern.fullmatch(n))]
        return f"v-{self.fingerprint}-{max(serials, default=1) + 1}"

    def discard_unfinished(self) -> list[str]:
        """Delete what a rebuild that died left behind: versions newer than the one read that
        are not the one written. Only under the rebuild lock, so no rebuild is filling them."""
        pointers = self.pointers()
        names = self.names()
        newer = names[names.index(pointers.read) + 1:] if pointers.read in names else []
        dropped = [name for name in newer if name != pointers.write]
        for name in dropped:
            shutil.rmtree(self.path(name), ignore_errors=True)
        return dropped

    def drop_old(self, keep: int) -> list[str]:
        """Delete all but the newest `keep` versions (at least 1); never the one read or the one
        written. Readers of a dropped version in other processes keep their open files (POSIX)
        and move on at their next query, since the pointers named another by then."""
        pointers = self.pointers()
        names = self.names()
        kept = set(names[-max(keep, 1):]) | {pointers.read, pointers.write}
        dropped = [name for name in names if name not in kept]
        for name in dropped:
            shutil.rmtree(self.path(name), ignore_errors=True)
        return dropped
