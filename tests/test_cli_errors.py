"""Bad input to `course`, `exercises` and `bench`: one line saying what to do, exit 2, no
traceback, nothing written; and `info` does not care what else is called `benchmarks`."""
import os
import pathlib
import subprocess
import sys

import pytest

from d2lmini import cli

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _fails_with_one_line(capsys, argv, *fragments):
    code = cli.main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2, err
    assert len(err) == 1, err
    for fragment in fragments:
        assert fragment in err[0], err[0]
    return err[0]


@pytest.mark.parametrize("chapter, words", [("99", "no chapter 99"), ("0", "no chapter 0"),
                                             ("abc", "'abc' is not a chapter number"),
                                             ("-1", "'-1' is not a chapter number"),
                                             ("1.5", "'1.5' is not a chapter number")])
def test_course_run_names_the_chapters_there_are(capsys, chapter, words, tmp_path):
    _fails_with_one_line(capsys, ["course", "run", "--course-dir", str(ROOT), "--out",
                                  str(tmp_path / "out"), "--", chapter],
                         words, "chapters are 1–8")


def test_course_clean_of_a_missing_or_non_notebook_file(capsys, tmp_path):
    _fails_with_one_line(capsys, ["course", "clean", str(tmp_path / "nope.ipynb")],
                         "no such notebook")
    text = tmp_path / "notes.ipynb"
    text.write_text("not json at all")
    _fails_with_one_line(capsys, ["course", "clean", str(text)], "is not a notebook")
    assert text.read_text() == "not json at all"
    wrong = tmp_path / "wrong.ipynb"
    wrong.write_text('{"a": 1}')
    _fails_with_one_line(capsys, ["course", "clean", str(wrong)], "is not a valid notebook")


def test_course_clean_checks_every_file_before_touching_any(capsys, tmp_path):
    good = tmp_path / "good.ipynb"
    good.write_bytes((ROOT / "course" / "01_text_and_vocab.ipynb").read_bytes())
    good.write_text(good.read_text().replace('"execution_count": null', '"execution_count": 7'))
    before = good.read_bytes()
    _fails_with_one_line(capsys, ["course", "clean", str(good), str(tmp_path / "gone.ipynb")],
                         "no such notebook")
    assert good.read_bytes() == before


def test_course_run_refuses_an_output_folder_it_cannot_write(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    _fails_with_one_line(capsys, ["course", "run", "--course-dir", str(ROOT), "--out",
                                  str(blocker / "sub"), "1"], "--out")


def test_a_course_dir_without_course_material(capsys, tmp_path):
    _fails_with_one_line(capsys, ["course", "list", "--course-dir", str(tmp_path)],
                         "--course-dir", str(tmp_path.resolve()))


def test_exercises_build_with_a_file_as_the_exercises_folder(capsys, tmp_path):
    target = tmp_path / "exercises.ipynb"
    target.write_text("{}")
    _fails_with_one_line(capsys, ["exercises", "build", "--course-dir", str(ROOT),
                                  "--exercises", str(target)], "is a file, not a folder")
    assert target.read_text() == "{}"
    _fails_with_one_line(capsys, ["exercises", "build", "--solutions", str(tmp_path / "none"),
                                  "--exercises", str(tmp_path / "out")], "--solutions")
    assert not (tmp_path / "out").exists()


def test_exercises_build_into_another_folder_then_check_it(capsys, tmp_path):
    out = tmp_path / "out"
    assert cli.main(["exercises", "build", "--course-dir", str(ROOT), "--exercises", str(out)]) == 0
    assert sorted(p.name for p in out.glob("*.ipynb")) == sorted(
        p.name for p in (ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
    assert cli.main(["exercises", "build", "--check", "--course-dir", str(ROOT),
                     "--exercises", str(out)]) == 0


@pytest.mark.parametrize("argv, words", [
    (["--device", "nosuch"], "not a device torch knows"),
    (["--device", "cuda:7"], "--device cuda:7"),
    (["--threads", "-1"], "--threads -1: give a whole number of at least 1"),
    (["--threads", "0"], "--threads 0"),
    (["--sgns-epochs", "0"], "--sgns-epochs 0"),
    (["--threads", "x"], "--threads"),
])
def test_bench_rejects_bad_devices_and_counts_before_running(capsys, argv, words):
    _fails_with_one_line(capsys, ["bench", "--course-dir", str(ROOT), *argv], words)


def test_bench_outside_a_checkout_says_where_benchmarks_run(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("D2LMINI_COURSE_DIR", raising=False)
    _fails_with_one_line(capsys, ["bench", "--quick"], "python -m benchmarks")


def test_bench_builds_the_benchmarks_command_without_importing_them():
    import argparse

    from d2lmini.bench import benchmarks_command
    args = argparse.Namespace(only=["rnn"], quick=True, full=False, out="res", device="cpu",
                              threads=1, sgns_epochs=None, sgns_repeats=None)
    cmd = benchmarks_command(args)
    assert cmd[1:3] == ["-m", "benchmarks"]
    assert cmd[3:] == ["--only", "rnn", "--quick", "--out", str(pathlib.Path("res").resolve()),
                       "--device", "cpu", "--threads", "1"]
    assert "benchmarks" not in sys.modules or ROOT / "benchmarks" == pathlib.Path(
        sys.modules["benchmarks"].__file__).parent


def test_info_and_help_work_when_another_benchmarks_module_is_importable(tmp_path):
    (tmp_path / "benchmarks.py").write_text("raise ImportError('not the course benchmarks')\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]))
    for argv in (["info"], ["bench", "--help"], ["--help"]):
        out = subprocess.run([sys.executable, "-m", "d2lmini", *argv], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        assert "Traceback" not in out.stderr
