"""The course opens at index.ipynb: every chapter and exercise notebook is one click away,
and each chapter ends with a link to its exercises and the exercises that notebook grades."""
import json
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHAPTERS = sorted(p.name for p in (ROOT / "course").glob("[0-9][0-9]_*.ipynb"))


def _cells(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [("".join(c["source"]), c) for c in nb["cells"]]


def _links(text):
    return re.findall(r"\]\(([^)\s]+\.ipynb)\)", text)


def test_index_links_every_chapter_and_its_exercises():
    text = "\n".join(src for src, c in _cells(ROOT / "index.ipynb") if c["cell_type"] == "markdown")
    links = _links(text)
    assert len(CHAPTERS) == 8
    for name in CHAPTERS:
        assert f"course/{name}" in links and f"exercises/{name}" in links, name
    for link in links:
        assert (ROOT / link).is_file(), f"index.ipynb links to a missing file: {link}"
    assert "D2LMINI_QUICK=1" in text, "the index explains quick mode"


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_ends_with_its_graded_exercises(name):
    last, _ = _cells(ROOT / "course" / name)[-1]
    assert last.startswith("## Exercises")
    assert f"](../exercises/{name})" in last, "a relative link that works in JupyterLab"
    assert (ROOT / "exercises" / name).is_file()
    graded = [c["metadata"]["nbgrader"]["grade_id"] for _, c in _cells(ROOT / "solutions" / name)
              if c["metadata"].get("nbgrader", {}).get("grade")]
    listed = re.findall(r"`(\w+)`, \d+ points?\)", last)
    assert listed == graded, f"{name} lists {listed}, its exercise notebook grades {graded}"
