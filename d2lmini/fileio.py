"""Writing files so that nothing half-written is ever left behind, and hashing them.

`atomic_write` writes to a temp file with a name unique to this writer in the same folder,
flushes it to disk, then renames it over the target: a reader sees the old file or the new
one, never a part. A failed write removes its temp file.
"""
import contextlib
import hashlib
import os
import pathlib
import tempfile

__all__ = ["atomic_path", "atomic_write", "sha256_file"]


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temp path beside `path`; on success it replaces `path`, on error it is removed."""
    path = pathlib.Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    tmp = pathlib.Path(tmp)
    try:
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write(path, data, encoding="utf-8"):
    """Write `data` (str or bytes) to `path` atomically; returns the path."""
    with atomic_path(path) as tmp:
        if isinstance(data, str):
            tmp.write_text(data, encoding=encoding)
        else:
            tmp.write_bytes(data)
    return pathlib.Path(path)


def sha256_file(path, chunk_size=1 << 20):
    """The hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk_size), b""):
            digest.update(block)
    return digest.hexdigest()
