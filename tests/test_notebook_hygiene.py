"""Every chapter notebook exists, is clean, and carries its checked cells and exercises.

nbval itself (pytest --nbval-lax course/) executes the notebooks; this file checks what
nbval cannot: that there is something for it to check, and no execution noise."""
import json
import pathlib
import re

import pytest

COURSE = pathlib.Path(__file__).resolve().parent.parent / "course"
CHAPTERS = ["01_text_and_vocab", "02_rnn_from_scratch", "03_gradients",
            "04_ner_rnn_gru_lstm", "05_embeddings_vs_onehot", "06_word2vec",
            "07_sentiment_bigru", "08_static_vs_contextual"]
MARK = "# NBVAL_CHECK_OUTPUT"


def _load(name):
    path = COURSE / f"{name}.ipynb"
    assert path.exists(), f"missing chapter notebook {path.name}"
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_is_clean(name):
    nb = _load(name)
    assert set(nb["metadata"]) <= {"kernelspec", "language_info"}, "strip notebook metadata"
    for cell in nb["cells"]:
        assert set(cell.get("metadata", {})) <= {"tags", "nbgrader"}, "strip cell metadata"
        if cell["cell_type"] == "code":
            if MARK not in _source(cell):
                assert cell["execution_count"] is None, "clear execution counts (d2lmini course clean)"
                assert cell["outputs"] == [], "only checked cells keep outputs"


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_has_deterministic_checked_cells(name):
    checked = [c for c in _load(name)["cells"]
               if c["cell_type"] == "code" and _source(c).lstrip().startswith(MARK)]
    assert len(checked) >= 5, f"{name}: {len(checked)} '# NBVAL_CHECK_OUTPUT' cells, need 5"
    for cell in checked:
        assert cell["outputs"], f"{name}: a checked cell has no stored output to compare"
        text = json.dumps(cell["outputs"])
        assert not re.search(r"0x[0-9a-f]{6,}|it/s|\bseconds?\b", text), \
            f"{name}: checked output looks run-dependent: {text[:200]}"


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_ends_with_summary_and_exercises(name):
    markdown = [_source(c) for c in _load(name)["cells"] if c["cell_type"] == "markdown"]
    tail = "\n".join(markdown[-3:])
    assert re.search(r"^#+ .*Summary", tail, re.M | re.I), f"{name}: no summary at the end"
    heading = re.search(r"^#+ .*Exercises", tail, re.M | re.I)
    assert heading, f"{name}: no exercises at the end"
    exercises = tail[heading.start():]
    items = re.findall(r"^\s*(?:\d+\.|[-*])\s+\S", exercises, re.M)
    assert len(items) >= 3, f"{name}: {len(items)} exercise prompts, need 3"
