"""`d2lmini course run` keeps figures whatever MPLBACKEND says and talks to its kernel over
Unix sockets; `course clean` stores the notebook metadata as JupyterLab saves it."""
import os

import nbformat
import pytest

from d2lmini import course
from d2lmini.course import KERNELSPEC, LANGUAGE_INFO, clean_notebook, kernel_manager, run_notebook


def test_executed_copy_keeps_figures_under_agg(tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")      # a common CI setting that drops plt.show()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()"),
        nbformat.v4.new_code_cell("import os; print(os.environ.get('D2LMINI_QUICK'))")]
    src = tmp_path / "fig.ipynb"
    nbformat.write(nb, src)
    run_notebook(src, tmp_path / "out", timeout=120, quick=True)
    done = nbformat.read(tmp_path / "out" / "fig.ipynb", as_version=4)
    kinds = [k for out in done.cells[0].outputs for k in out.get("data", {})]
    assert "image/png" in kinds, f"the figure was dropped: {kinds}"
    assert done.cells[1].outputs[0]["text"].strip() == "1", "quick mode reaches the kernel"
    assert not list((tmp_path / "out").glob("*.tmp")), "no half-written file left"


@pytest.mark.skipif(os.name != "posix", reason="Windows has no IPC transport (TCP is used there)")
def test_the_kernel_is_reached_over_ipc_and_stopped_after_the_run(tmp_path, capfd, monkeypatch):
    made = []

    def recording_manager(socket_dir):
        made.append(kernel_manager(socket_dir))
        return made[-1]
    monkeypatch.setattr(course, "kernel_manager", recording_manager)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("print(6 * 7)")]
    src = tmp_path / "ipc.ipynb"
    nbformat.write(nb, src)
    run_notebook(src, tmp_path / "out", timeout=120)
    done = nbformat.read(tmp_path / "out" / "ipc.ipynb", as_version=4)
    assert done.cells[0].outputs[0]["text"].strip() == "42"
    (km,) = made
    assert km.transport == "ipc" and os.path.isabs(km.ip)
    assert not km.is_alive(), "the kernel outlived the run"
    assert "without encryption" not in capfd.readouterr().err   # ipykernel's TCP warning


def test_clean_stores_what_jupyterlab_saves():
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3"},
                   "language_info": {"name": "python"}, "widgets": {"state": {}}}
    nb.cells = [nbformat.v4.new_code_cell("1 + 1", outputs=[{"output_type": "stream",
                                                              "name": "stdout", "text": "2"}])]
    clean_notebook(nb)
    assert nb.metadata == {"kernelspec": KERNELSPEC, "language_info": LANGUAGE_INFO}
    assert set(LANGUAGE_INFO) == {"codemirror_mode", "file_extension", "mimetype", "name",
                                  "nbconvert_exporter", "pygments_lexer", "version"}
    assert nb.cells[0].outputs == [] and nb.cells[0].execution_count is None
    nb.metadata["kernelspec"]["name"] = "changed"
    assert KERNELSPEC["name"] == "python3", "each notebook gets its own copy"
