"""The grades journal: one appended, fsynced JSON line per graded submission.

The journal (`grades.journal.jsonl` beside `grades.csv`) is the record the grader trusts:
grades.csv and grades.json are rebuilt from it (atomically) after every submission, so a
grader killed at any moment loses at most the submission it was grading, and the next run
resumes where it stopped. A lock on the journal keeps two graders from writing the same
grades at once; a torn last line (a kill in the middle of a write) is skipped.
"""
import fcntl
import json
import os
import pathlib
import time

from ..errors import UserError

__all__ = ["Journal", "journal_path"]

# How long to wait for the lock before saying another grader holds it. A grader killed a
# moment ago can leave the lock held for a few milliseconds by a worker it was starting
# (forked, not yet exec'd: the journal's descriptor closes only at exec).
LOCK_WAIT_SECONDS = 3.0


def journal_path(csv_path):
    """The journal that belongs to a grades CSV: grades.csv -> grades.journal.jsonl."""
    csv_path = pathlib.Path(csv_path)
    return csv_path.with_name(csv_path.stem + ".journal.jsonl")


class Journal:
    """Append-only records of graded submissions, locked while a grader uses them."""

    def __init__(self, path, lock_wait=LOCK_WAIT_SECONDS):
        self.path = pathlib.Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        except OSError as err:
            raise UserError(f"cannot write grades to {self.path.parent}: {err.strerror}: give "
                            "--out a file in a folder you can write") from None
        if not self._lock(lock_wait):
            os.close(self._fd)
            raise UserError(f"another `d2lmini grade` is writing {self.path}: wait for it to "
                            "finish, or give another --out") from None
        self._end_with_newline()

    def _lock(self, wait):
        """Take the lock, retrying for up to `wait` seconds; False if it stays taken."""
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(0.05)

    def _end_with_newline(self):
        """After a torn last line, start the next record on a line of its own."""
        size = os.fstat(self._fd).st_size
        if size and os.pread(self._fd, 1, size - 1) != b"\n":
            os.write(self._fd, b"\n")
            os.fsync(self._fd)

    def records(self):
        """Every complete record, oldest first (unreadable lines are skipped)."""
        found = []
        with open(self.path, "rb") as f:
            for line in f:
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue
                if isinstance(rec, dict) and isinstance(rec.get("student"), str):
                    found.append(rec)
        return found

    def latest(self, solution_sha256):
        """student -> their newest record graded against this solution."""
        return {r["student"]: r for r in self.records()
                if r.get("solution_sha256") == solution_sha256}

    def append(self, record):
        """Add one record and wait until it is on disk."""
        data = (json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
        os.write(self._fd, data)
        os.fsync(self._fd)

    def close(self):
        if self._fd is not None:
            os.close(self._fd)      # also releases the lock
            self._fd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
