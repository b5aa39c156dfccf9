"""The top-level command line: a user error is one line on stderr and exit 2, Ctrl-C exits 130
leaving nothing half-written, a bug is one line and exit 1; --debug shows the traceback."""
import os
import subprocess
import sys
import time

import pytest
from fault_helpers import files_under, read_only, serve, write_cached_payload

from d2lmini.cli import main
from d2lmini.data import download, online, registry, text
from d2lmini.data.download import UrlSource


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch):
    monkeypatch.setenv("D2LMINI_DATA", str(tmp_path / "cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")


def _one_line_error(capsys, code, expected, progress=False):
    """The one error line on stderr (with progress=True, a download's progress bar may come before it)."""
    captured = capsys.readouterr()
    assert code == expected
    lines = captured.err.strip().splitlines()
    if progress:
        lines = [line for line in lines if line.startswith("d2lmini")]
    assert len(lines) == 1 and lines[0].startswith("d2lmini: ") and "Traceback" not in captured.err
    return lines[0]


BAD_COMMAND_LINES = [
    (["data", "fetch", "nosuch"], "use one of"),
    (["data", "fetch"], "give a NAME or --all"),
    (["data", "fetch", "imdb", "--all"], "not both"),
    (["data", "clean", "nosuch"], "use one of"),
    (["data", "frobnicate"], "invalid choice"),
    (["data", "fetch", "imdb", "extra"], "unrecognized arguments"),
    (["--nosuch"], "unrecognized arguments"),
    (["data", "fetch", "imdb"], "HF_HUB_OFFLINE"),
]


@pytest.mark.parametrize("argv, expected", BAD_COMMAND_LINES)
def test_bad_command_lines_are_one_line_and_exit_2(argv, expected, capsys):
    line = _one_line_error(capsys, main(argv), 2)
    assert expected in line


def test_python_dash_m_gives_one_line_and_no_traceback(tmp_path):
    """Through the real entry point (subprocesses, run side by side)."""
    env = {**os.environ, "PYTHONPATH": os.getcwd(), "D2LMINI_DATA": str(tmp_path / "c")}
    runs = [(["data", "fetch", "imdb"], env), (["data", "list"], {**env, "D2LMINI_DATA": "relative/dir"})]
    procs = [subprocess.Popen([sys.executable, "-m", "d2lmini", *argv], env=e, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for argv, e in runs]
    for (argv, _), p in zip(runs, procs):
        out, err = p.communicate(timeout=120)
        assert p.returncode == 2, (argv, err)
        assert len(err.strip().splitlines()) == 1 and err.startswith("d2lmini: ") and "Traceback" not in err
    assert files_under(tmp_path / "c") == []


def test_fetch_with_an_unreachable_hub_fails_fast_without_retries(monkeypatch, capsys):
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.delenv("HF_DATASETS_OFFLINE")
    monkeypatch.setattr(online, "HUB_URL", "http://127.0.0.1:9")    # nothing listens there
    online._probe.cache_clear()
    import datasets
    monkeypatch.setattr(datasets, "load_dataset", lambda *a, **k: pytest.fail("datasets was called"))
    start = time.monotonic()
    line = _one_line_error(capsys, main(["data", "fetch", "imdb"]), 2)
    assert time.monotonic() - start < 5
    assert "cannot be reached" in line and "data fetch imdb" not in line and "connect to the internet" in line
    online._probe.cache_clear()


def test_ctrl_c_during_a_download_exits_130_and_leaves_nothing(monkeypatch, capsys):
    url, stop = serve({"/book.txt": (b"a book\n" * 1000, 0, None)})
    try:
        monkeypatch.setattr(text, "TIMEMACHINE", UrlSource("timemachine", f"{url}/book.txt", "timemachine.txt",
                                                           sha1="0" * 40))
        monkeypatch.delenv("HF_HUB_OFFLINE")
        monkeypatch.delenv("HF_DATASETS_OFFLINE")

        def interrupt(path):                        # the whole body is in the temp file now
            assert path.stat().st_size == 7000
            raise KeyboardInterrupt
        monkeypatch.setattr(download, "_looks_like_html", interrupt)
        code = main(["data", "fetch", "timemachine"])
    finally:
        stop()
    line = _one_line_error(capsys, code, 130, progress=True)
    assert "interrupted" in line
    assert files_under(text.TIMEMACHINE.path().parent) == [".lock"]


def test_unexpected_errors_are_one_line_exit_1_and_debug_shows_the_traceback(monkeypatch, capsys):
    monkeypatch.setattr(registry, "fetch", lambda name, force=False: 1 / 0)
    line = _one_line_error(capsys, main(["data", "fetch", "wnut16"]), 1)
    assert "ZeroDivisionError" in line and "--debug" in line
    assert main(["data", "fetch", "wnut16", "--debug"]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_os_errors_about_user_paths_are_user_errors(monkeypatch, capsys):
    def missing(name, force=False):
        raise FileNotFoundError(2, "No such file or directory", "notes/ch3.ipynb")
    monkeypatch.setattr(registry, "fetch", missing)
    line = _one_line_error(capsys, main(["data", "fetch", "wnut16"]), 2)
    assert line == "d2lmini: No such file or directory: notes/ch3.ipynb"


def test_clean_on_a_read_only_cache_and_verify_of_a_damaged_one(monkeypatch, capsys, tmp_path):
    write_cached_payload(tmp_path / "cache", "imdb", b"garbage")
    assert main(["data", "verify"]) == 1
    assert "data clean imdb" in capsys.readouterr().out
    read_only(monkeypatch, tmp_path / "cache")
    line = _one_line_error(capsys, main(["data", "clean", "imdb"]), 2)
    assert "cannot be written" in line and "Errno 30" in line
    monkeypatch.undo()
    monkeypatch.setenv("D2LMINI_DATA", str(tmp_path / "cache"))
    assert main(["data", "clean", "imdb"]) == 0 and main(["data", "verify"]) == 0
