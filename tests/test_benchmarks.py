"""Smoke tests of the benchmark harness on tiny sizes: it runs and writes what it promises.

These never assert anything about speed (benchmarks measure, they do not fail on speed).
"""
import json
import pathlib
import sys

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))     # the benchmarks/ package of this checkout, not the package's
import benchmarks  # noqa: E402
from benchmarks import interleaved, report  # noqa: E402
from benchmarks import notebooks as nb_bench  # noqa: E402

ROW_KEYS = {"benchmark", "ours", "reference", "unit", "ratio", "ratio_means", "notes"}


@pytest.fixture(scope="module")
def quick_results(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    data = benchmarks.run(["rnn", "tagger_onehot"], quick=True, out=out, device="cpu",
                          threads=1)
    return out, data


def test_quick_run_writes_json_and_markdown_with_positive_ratios(quick_results):
    out, data = quick_results
    saved = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert saved == json.loads(json.dumps(data))
    assert [b["name"] for b in saved["benchmarks"]] == ["rnn", "tagger_onehot"]
    for bench in saved["benchmarks"]:
        assert {"rows", "details", "device", "machine", "measured_at", "seconds"} <= set(bench)
        assert bench["machine"]["quick"] is True and bench["device"] == "cpu"
        for r in bench["rows"]:
            assert ROW_KEYS <= set(r)
            assert r["ours"] > 0 and r["reference"] > 0 and r["ratio"] > 0
    rnn_rows = saved["benchmarks"][0]["rows"]
    assert len(rnn_rows) == 3       # one-hot, embedding and textbook-loop references
    md = (out / "results.md").read_text(encoding="utf-8")
    assert md.count("\n| ") == 1 + 5   # header + 3 rnn rows + 2 tagger rows
    assert "| benchmark | ours | reference | ratio | notes | device |" in md
    assert not list(out.glob("*.tmp"))  # written atomically: no temporary file left


def test_rnn_ratio_is_ours_over_reference(quick_results):
    _, data = quick_results
    bench = data["benchmarks"][0]
    models = bench["details"]["models"]
    r = bench["rows"][0]
    assert r["ours"] == models["ours"]["tokens_per_s_whole_run"]
    assert r["ratio"] == pytest.approx(r["ours"] / r["reference"], rel=1e-2)
    # every model trained for the same number of interleaved chunks
    assert len({m["chunks"] for m in models.values()}) == 1


def test_only_keeps_earlier_results_of_other_benchmarks(quick_results, tmp_path):
    out, data = quick_results
    (tmp_path / "results.json").write_text((out / "results.json").read_text())
    again = benchmarks.run(["rnn"], quick=True, out=tmp_path, device="cpu", threads=1)
    assert [b["name"] for b in again["benchmarks"]] == ["rnn", "tagger_onehot"]
    assert again["benchmarks"][1] == json.loads(json.dumps(data["benchmarks"][1]))


def test_unknown_benchmark_is_a_clear_error(tmp_path):
    with pytest.raises(SystemExit, match="unknown benchmark"):
        benchmarks.run(["rnnn"], out=tmp_path)


def test_failing_benchmark_becomes_a_row_not_a_crash(monkeypatch):
    def boom(quick, device):
        raise RuntimeError("no data here")
    monkeypatch.setattr("benchmarks.rnn.run", boom)
    result = benchmarks.run_one("rnn", quick=True, device="cpu")
    assert "FAILED" in result["rows"][0]["notes"] and "no data here" in result["details"]["error"]


def test_interleaved_alternates_and_counts():
    calls = []
    times = interleaved({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")},
                        repeats=3, warmup=1)
    assert calls == ["a", "b"] + ["a", "b"] * 3
    assert all(len(t["wall"]) == 3 and len(t["cpu"]) == 3 for t in times.values())


def test_notebook_benchmark_times_a_tiny_notebook(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1 + 1")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path = tmp_path / "01_tiny.ipynb"
    nbformat.write(nb, path)
    result = nb_bench.run(quick=True, paths=[path])
    first, total = result["rows"]
    assert first["ours"] > 0 and first["ratio"] == pytest.approx(first["ours"] / 90, abs=2e-3)
    assert total["benchmark"].startswith("all 1 notebooks") and total["ratio"] > 0


def test_markdown_formats_numbers_and_missing_values():
    assert report.fmt(None) == "—"
    assert report.fmt(84_321, "tokens/s") == "84.3 k tokens/s"
    assert report.fmt(0.61234, "ρ") == "0.612 ρ"


def test_rnn_benchmark_models_compute_the_same_function():
    from benchmarks.rnn import make_models
    import torch
    models = make_models(vocab_size=7, num_hiddens=5, device="cpu")
    X = torch.randint(0, 7, (3, 4))
    logits = {name: m(X, m.begin_state(3))[0] for name, m in models.items()}
    # same seed, same maths: the scratch model and the textbook loop agree exactly
    torch.testing.assert_close(logits["ours"], logits["textbook loop"])
    assert all(v.shape == (3, 4, 7) for v in logits.values())
