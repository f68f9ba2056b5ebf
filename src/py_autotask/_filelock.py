"""One process at a time: an OS file lock held for the length of a run (a bulk journal, an export's state).

The lock is `flock` (POSIX) or `msvcrt.locking` (Windows) on a small `<name>.lock` file, taken without
waiting: a second run fails at once with `RunLockedError` instead of queueing behind the first. The
operating system releases the lock when its process ends, however it ends (kill -9 included), so a
crashed run never blocks the next one; the file left behind is harmless.

The file is removed on release. A run that opened the file just before it was removed could lock the
old, unlinked file while a third run creates and locks a new one; so after locking we check that the
path still names the file we hold, and start again if not (the usual lock-file recipe).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["RunLock", "RunLockedError"]


class RunLockedError(RuntimeError):
    """Another process holds the lock: the file or directory is in use by another run."""

    def __init__(self, what: str, path: Path) -> None:
        super().__init__(f"{what} is in use by another run (lock {path}); wait for that run to finish, or use "
                         "another file or directory")
        self.path = path


class RunLock:
    """An exclusive, non-blocking lock on `path` (a lock file), held until `release()` or the end of `with`."""

    def __init__(self, path: str | os.PathLike[str], what: str) -> None:
        self.path = Path(path)
        self.what = what
        self._fd: int | None = None

    def acquire(self) -> RunLock:
        """Take the lock, or raise RunLockedError at once."""
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            except FileNotFoundError:  # no directory yet (or a finishing run just removed its empty one)
                try:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:  # e.g. a path through a file: say which file, not only the lock's path
                    raise type(exc)(f"cannot create the directory {self.path.parent} for {self.what} "
                                    f"({exc.strerror})") from None
                continue
            except OSError as exc:
                raise type(exc)(f"cannot create the lock file {self.path} for {self.what} "
                                f"({exc.strerror})") from None
            try:
                _lock(fd)
            except OSError:
                os.close(fd)
                raise RunLockedError(self.what, self.path) from None
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                self._fd = fd
                try:
                    os.ftruncate(fd, 0)
                    os.write(fd, f"{os.getpid()}\n".encode())
                except OSError:  # the pid is only a hint for a person looking at the file
                    pass
                return self
            os.close(fd)  # the file was removed by its previous holder between our open and our lock

    def release(self) -> None:
        """Remove the lock file and release the lock (idempotent)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        if sys.platform != "win32":  # Windows cannot remove an open file; it stays, unlocked
            try:
                self.path.unlink()
            except OSError:
                pass
        try:
            _unlock(fd)
        finally:
            os.close(fd)

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

