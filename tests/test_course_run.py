"""`d2lmini course run` keeps figures whatever MPLBACKEND says; `course clean` stores the
notebook metadata as JupyterLab saves it."""
import nbformat

from d2lmini.course import KERNELSPEC, LANGUAGE_INFO, clean_notebook, run_notebook


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
