"""ProgressBar: plain HTML bundles through one display handle in a notebook, throttled,
text lines elsewhere, nothing when disabled."""
import io
import sys

import pytest

from d2lmini import progress
from d2lmini.display import LiveDisplay
from d2lmini.progress import ProgressBar, format_time
from clock import Clock


@pytest.fixture
def shell(monkeypatch):
    """A real IPython shell whose display outputs are captured, seen as a notebook kernel."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output
    InteractiveShell.instance()
    monkeypatch.setattr(progress, "in_notebook", lambda: True)
    with capture_output() as captured:
        yield captured


def _published(captured):
    return [(o.data, o.update, (o.transient or {}).get("display_id"))
            for o in captured.outputs]


def test_notebook_bar_is_html_updated_through_one_handle(shell):
    clock = Clock()
    with ProgressBar(100, desc="epoch 1", unit="batch", clock=clock) as bar:
        for _ in range(100):
            clock.t += 0.01                    # 100 batches/s
            bar.update(1, loss=2.3456789)
    out = _published(shell)
    assert out, "nothing was displayed"
    first, updates = out[0], out[1:]
    assert first[1] is False and all(u for _, u, _ in updates), "one display, then updates"
    assert len({d for _, _, d in out}) == 1, "every update goes to the same display id"
    for data, _, _ in out:
        assert set(data) == {"text/html", "text/plain"}, "plain bundles, no widget"
    final = out[-1][0]
    assert '<progress value="100" max="100"' in final["text/html"]
    assert final["text/plain"].startswith("epoch 1 100/100 batch 100% [00:01, 100 batch/s]")
    assert "loss=2.346" in final["text/plain"]      # floats with 4 significant digits


def test_update_is_throttled(shell):
    clock = Clock()
    bar = ProgressBar(10_000, unit="batch", clock=clock)
    for _ in range(10_000):                       # 10,000 updates over 2 simulated seconds
        clock.t += 0.0002
        bar.update()
    bar.close()
    redraws = len(shell.outputs)
    assert 5 <= redraws <= 15, f"{redraws} redraws for 2 s at 5 per second"
    assert '<progress value="10000" max="10000"' in shell.outputs[-1].data["text/html"]


def test_rate_and_eta_text():
    clock = Clock()
    bar = ProgressBar(120, desc="train", unit="batch", enabled=False, clock=clock)
    clock.t = 3.0
    bar.update(30)
    assert bar.rate() == pytest.approx(10.0)
    assert bar.eta() == pytest.approx(9.0)
    assert bar.text() == "train 30/120 batch 25% [00:03<00:09, 10 batch/s]"
    words = ProgressBar(2_500_000, unit="w", enabled=False, clock=clock)
    clock.t = 5.0
    words.update(1_000_000)
    assert words.text() == "1.0M/2.5M w 40% [00:02<00:03, 500k w/s]"
    unknown = ProgressBar(None, unit="batch", enabled=False, clock=clock)
    assert unknown.eta() is None and unknown.text() == "0 batch [00:00, ? batch/s]"
    assert format_time(3725) == "1:02:05" and format_time(75.3) == "01:15"


def test_text_lines_outside_a_notebook(monkeypatch):
    monkeypatch.setattr(progress, "in_notebook", lambda: False)
    clock, out = Clock(), io.StringIO()
    bar = ProgressBar(100, desc="epoch", clock=clock, file=out)
    for _ in range(100):
        clock.t += 0.5                            # 50 s in all: a line every 10 s
        bar.update()
    bar.close()
    lines = out.getvalue().splitlines()
    assert 5 <= len(lines) <= 7, lines
    assert lines[-1].startswith("epoch 100/100 batch 100% [00:50, 2 batch/s]")
    assert "<" not in lines[-1], "no ETA once finished"


def test_disabled_bar_prints_and_displays_nothing(shell, capsys):
    bar = ProgressBar(10, enabled=False)
    for _ in range(10):
        bar.update(loss=1.0)
    bar.close()
    assert shell.outputs == [] and capsys.readouterr().err == ""
    assert bar.n == 10


def test_works_without_ipython(monkeypatch):
    monkeypatch.setitem(sys.modules, "IPython", None)    # `import IPython` now fails
    from d2lmini.display import in_notebook
    assert in_notebook() is False
    out = io.StringIO()
    with ProgressBar(3, desc="x", file=out) as bar:
        bar.update(3)
    assert out.getvalue().startswith("x 3/3 batch 100%")


def test_skipped_redraw_is_flushed_at_the_end_of_the_cell(shell):
    from IPython import get_ipython
    clock = Clock()
    live = LiveDisplay(interval=1.0, clock=clock)
    live.show({"text/plain": "first"})
    live.show({"text/plain": "second"})           # too soon: kept pending
    assert [o.data["text/plain"] for o in shell.outputs] == ["first"]
    get_ipython().events.trigger("post_execute")  # what IPython does when a cell ends
    assert [o.data["text/plain"] for o in shell.outputs] == ["first", "second"]
    assert shell.outputs[-1].update is True
    get_ipython().events.trigger("post_execute")  # nothing pending: no third output
    assert len(shell.outputs) == 2
