"""`d2lmini data list | fetch | verify | clean` on an offline machine with an empty cache."""
import pytest

from d2lmini.cli import main
from d2lmini.data import registry


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch):
    monkeypatch.setenv("D2LMINI_DATA", str(tmp_path / "cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")


def test_list_shows_every_dataset_and_every_chapter_available(capsys):
    assert main(["data", "list"]) == 0
    out = capsys.readouterr().out
    for e in registry.ENTRIES:
        row = next(line for line in out.splitlines() if line.startswith(e.name + " "))
        assert e.licence in row
        assert ("available" in row) if e.kind == "embedded" else ("not cached" in row)
    assert "chapters with data available now: 1 yes, 2 yes, 3 yes, 4 yes, 5 yes, 6 yes, 7 yes, 8 yes" in out


def test_verify_passes_on_a_clean_install_and_catches_a_corrupt_cache(capsys):
    assert main(["data", "verify"]) == 0
    assert "all checks passed" in capsys.readouterr().out
    src = registry._url_source("timemachine")
    src.path().parent.mkdir(parents=True)
    src.path().write_text("<html>not the book</html>")
    assert main(["data", "verify"]) == 1
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("timemachine"))
    assert "BAD" in row and "fetch timemachine --force" in row and "data clean timemachine" in row
    assert src.path().exists()                                # reported, not silently removed
    assert main(["data", "clean", "timemachine"]) == 0
    assert "removed timemachine.txt" in capsys.readouterr().out and not src.path().exists()
    assert main(["data", "verify"]) == 0


def test_fetch_offline_fails_clearly_and_embedded_fetch_works(capsys):
    assert main(["data", "fetch", "imdb"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("d2lmini: dataset 'imdb'") and "HF_HUB_OFFLINE" in err and err.count("\n") == 1
    assert "data fetch imdb" not in err                       # no "run the command you just ran"
    assert main(["data", "fetch", "wnut16"]) == 0
    assert "nothing to download" in capsys.readouterr().out
    assert main(["data", "fetch", "nosuch"]) == 2
    assert "use one of" in capsys.readouterr().err
