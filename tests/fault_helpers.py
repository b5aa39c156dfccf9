"""Fault injection for the cache tests: a read-only or full file system under one folder,
simulated by patching the calls that write (the tests run as root, where chmod stops nothing),
and small local datasets shaped like the real ones."""
import builtins
import errno
import gzip
import io
import json
import os
from pathlib import Path

from datasets import ClassLabel, Dataset, Features, Sequence, Value

__all__ = ["CONLL_NAMES", "CORRUPT_BYTES", "conll_split", "imdb_split", "write_parquet", "read_only", "full_disk",
           "write_cached_payload", "gz_json", "files_under",
           "conll_parquet_with_ids", "serve"]

CONLL_NAMES = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
CORRUPT_BYTES = b"\x00\x01 not gzip at all \xff" * 10      # a damaged cache file (any checksum can match it)
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def conll_split(rows, names=CONLL_NAMES):
    """A CoNLL-shaped split: rows are (tokens, tag ids into `names`)."""
    feats = Features({"tokens": Sequence(Value("string")), "ner_tags": Sequence(ClassLabel(names=names))})
    return Dataset.from_dict({"tokens": [r[0] for r in rows], "ner_tags": [r[1] for r in rows]}, features=feats)


def imdb_split(n, names=("neg", "pos")):
    """An IMDb-shaped split of n reviews, label 1 = contains "great"."""
    return Dataset.from_dict({"text": [f"review {i} " + ("great" if i % 2 else "awful") for i in range(n)],
                              "label": [i % 2 for i in range(n)]},
                             features=Features({"text": Value("string"), "label": ClassLabel(names=list(names))}))


def write_parquet(folder, prefix, splits):
    """Write {split: Dataset} as parquet files; returns the data_files dict."""
    files = {}
    for split, ds in splits.items():
        files[split] = str(Path(folder) / f"{prefix}-{split}.parquet")
        ds.to_parquet(files[split])
    return files


def write_cached_payload(cache, name, raw):
    """Put `raw` bytes in the cache as NAME/data.json.gz with a *matching* .sha256 beside it."""
    import hashlib
    folder = Path(cache) / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "data.json.gz").write_bytes(raw)
    (folder / "data.json.gz.sha256").write_text(hashlib.sha256(raw).hexdigest() + "\n")
    return folder / "data.json.gz"


def gz_json(obj):
    """gzip-compressed JSON bytes of `obj`."""
    return gzip.compress(json.dumps(obj).encode())


def files_under(root):
    """Every file below `root` (relative names), for "nothing was left behind" checks."""
    root = Path(root)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _under(path, root):
    try:
        return Path(os.fspath(path)).resolve().is_relative_to(root)
    except (TypeError, ValueError):
        return False    # a file descriptor, not a path


def _writing(mode):
    return any(c in mode for c in "wax+")


def read_only(monkeypatch, root):
    """Make `root` behave as a read-only file system (errno EROFS on every write below it)."""
    root = Path(root).resolve()

    def refuse(path):
        raise OSError(errno.EROFS, "Read-only file system", os.fspath(path))

    real_open, real_os_open, real_mkdir = builtins.open, os.open, os.mkdir

    def fake_open(file, mode="r", *args, **kwargs):
        if _writing(mode) and _under(file, root):
            refuse(file)
        return real_open(file, mode, *args, **kwargs)

    def fake_os_open(path, flags, *args, **kwargs):
        if flags & _WRITE_FLAGS and _under(path, root):
            refuse(path)
        return real_os_open(path, flags, *args, **kwargs)

    def fake_mkdir(path, *args, **kwargs):
        if _under(path, root):
            if os.path.exists(path):
                raise FileExistsError(errno.EEXIST, "File exists", os.fspath(path))
            refuse(path)
        return real_mkdir(path, *args, **kwargs)

    def guard(real):
        def fake(path, *args, **kwargs):
            if _under(path, root):
                refuse(path)
            return real(path, *args, **kwargs)
        return fake

    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(io, "open", fake_open)
    monkeypatch.setattr(os, "open", fake_os_open)
    monkeypatch.setattr(os, "mkdir", fake_mkdir)
    for name in ("unlink", "remove", "rmdir", "replace", "rename"):
        monkeypatch.setattr(os, name, guard(getattr(os, name)))


class _FullFile:
    """A file opened for writing on a full disk: the first `room` bytes go in, then ENOSPC."""

    def __init__(self, f, room):
        self._f, self._room = f, room

    def write(self, data):
        if len(data) > self._room:
            self._f.write(data[:self._room])
            self._room = 0
            raise OSError(errno.ENOSPC, "No space left on device", self._f.name)
        self._room -= len(data)
        return self._f.write(data)

    def __getattr__(self, name):
        return getattr(self._f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._f.close()


def full_disk(monkeypatch, root, room=1000):
    """Make `root` behave as a disk with `room` bytes left per file (ENOSPC after that)."""
    root = Path(root).resolve()
    real_open = builtins.open

    def fake_open(file, mode="r", *args, **kwargs):
        f = real_open(file, mode, *args, **kwargs)
        if _writing(mode) and "r" not in mode and _under(file, root):
            return _FullFile(f, room)
        return f

    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(io, "open", fake_open)     # mkstemp still works: an empty file needs no blocks


def conll_parquet_with_ids(path, rows, names=CONLL_NAMES):
    """A CoNLL parquet file whose ClassLabel metadata says `names` but whose tag ids are
    whatever `rows` say (also ids that `datasets` itself would refuse to write, like len(names))."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    conll_split([(tokens, [0] * len(ids)) for tokens, ids in rows], names).to_parquet(path)
    table = pq.read_table(path)
    column = pa.array([list(ids) for _, ids in rows], type=table.schema.field("ner_tags").type)
    table = table.set_column(table.schema.get_field_index("ner_tags"), "ner_tags", column)
    pq.write_table(table.replace_schema_metadata(table.schema.metadata), path)
    return str(path)


def serve(routes):
    """Start a local HTTP server; routes maps a path to (body bytes, seconds between bytes or 0,
    max bytes to send or None). Returns (base URL, stop function)."""
    import http.server
    import threading
    import time

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            if self.path not in routes:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body, pause, limit = routes[self.path]
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not pause:
                self.wfile.write(body)
                return
            for i in range(min(len(body), limit or len(body))):   # a dripping server, bounded
                try:
                    self.wfile.write(body[i:i + 1])
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(pause)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.handle_error = lambda request, address: None
    threading.Thread(target=httpd.serve_forever, daemon=True).start()

    def stop():
        httpd.shutdown()
        httpd.server_close()
    return f"http://127.0.0.1:{httpd.server_address[1]}", stop
