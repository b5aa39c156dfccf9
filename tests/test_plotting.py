"""Animator: PNG bundles through one display handle, at most twice a second; cjk_font:
a font that really draws Chinese, or None."""
import base64
import warnings

import pytest

from d2lmini import plotting
from d2lmini.plotting import Animator, cjk_family, cjk_font, figure_png
from clock import Clock


@pytest.fixture
def shell():
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output
    InteractiveShell.instance()
    with capture_output() as captured:
        yield captured


def test_live_animator_updates_one_png_at_most_twice_a_second(shell):
    clock = Clock()
    anim = Animator(xlabel="batch", legend=["train"], title="loss", live=True)
    anim._display.clock = clock
    for step in range(40):                   # 40 points over 4 simulated seconds
        clock.t += 0.1
        anim.add(step, train=1.0 / (step + 1))
    anim.close()
    outs = shell.outputs
    assert 8 <= len(outs) <= 10, f"{len(outs)} redraws in 4 s"
    assert outs[0].update is False and all(o.update for o in outs[1:])
    assert len({o.transient["display_id"] for o in outs}) == 1
    png = base64.b64decode(outs[-1].data["image/png"])
    assert png.startswith(b"\x89PNG"), "a real PNG"
    assert outs[-1].data["text/plain"] == "<figure: loss>"


def test_close_draws_the_last_skipped_points(shell):
    clock = Clock()
    anim = Animator(legend=["a"], live=True)
    anim._display.clock = clock
    anim.add(1, a=1.0)
    anim.add(2, a=2.0)                       # same instant: skipped
    assert len(shell.outputs) == 1
    anim.close()
    assert len(shell.outputs) == 2
    anim.close()                             # nothing pending any more
    assert len(shell.outputs) == 2


def test_animator_prints_lines_when_not_live(capsys):
    anim = Animator(legend=["train", "valid"], live=False)
    anim.add(1, train=12.345678, valid=None)
    assert capsys.readouterr().out == "epoch 1: train 12.35\n"


def test_figure_is_not_registered_with_pyplot():
    import matplotlib.pyplot as plt
    before = plt.get_fignums()
    anim = Animator(legend=["a"], live=False)
    anim.X, anim.Y = [1, 2], {"a": [1.0, 0.5]}
    bundle = figure_png(anim.figure())
    assert plt.get_fignums() == before, "no stray pyplot figure to be shown twice"
    assert base64.b64decode(bundle["image/png"]).startswith(b"\x89PNG")


def test_cjk_font_draws_chinese_without_warnings():
    name = cjk_font()
    if name is None:
        assert cjk_family() is None
        return
    from matplotlib.figure import Figure
    fig = Figure()
    ax = fig.add_subplot()
    ax.set_title("的 一 是 (de yi shi)", fontfamily=cjk_family())
    with warnings.catch_warnings():
        warnings.simplefilter("error")       # "Glyph ... missing from font" would raise
        figure_png(fig)


def test_cjk_font_is_none_when_no_font_has_the_glyphs(monkeypatch):
    from matplotlib import font_manager
    monkeypatch.setattr(plotting, "_draws_chinese", lambda path, sample="": False)
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *a, **k: [])
    cjk_font.cache_clear()
    try:
        assert cjk_font() is None and cjk_family() is None
    finally:
        cjk_font.cache_clear()


def test_draws_chinese_checks_glyphs():
    import matplotlib
    from pathlib import Path
    dejavu = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    assert plotting._draws_chinese(dejavu, "abc")
    assert not plotting._draws_chinese(dejavu, "中文"), "DejaVu has no Chinese glyphs"
    assert not plotting._draws_chinese("/no/such/font.ttf")


def test_plot_title_names_animators_made_inside_the_block():
    from d2lmini.plotting import plot_title
    with plot_title("English"):
        inner = Animator(live=False)
        own = Animator(title="mine", live=False)
    assert (inner.title, own.title, Animator(live=False).title) == ("English", "mine", None)
