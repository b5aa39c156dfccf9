"""Live training plots that survive a saved notebook, and a checked font for Chinese labels.

In a notebook `Animator` re-renders its figure as a PNG into one display handle (at most
twice a second), so the saved notebook keeps the last picture as an ordinary image output;
elsewhere each `add` prints one line.
"""
import base64
import contextlib
import functools
import io
import sys

from .display import LiveDisplay, in_notebook

__all__ = ["Animator", "cjk_font", "cjk_family", "figure_png", "in_notebook", "plot_title"]

_TITLES = []     # the titles of the enclosing `plot_title` blocks, innermost last


@contextlib.contextmanager
def plot_title(title):
    """Give every Animator made inside the block (e.g. by a trainer) this title by default."""
    _TITLES.append(title)
    try:
        yield
    finally:
        _TITLES.pop()


def figure_png(fig, dpi=100):
    """A display bundle {"image/png": base64 text, "text/plain": ...} of a matplotlib figure."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    title = fig.axes[0].get_title() if fig.axes else ""
    return {"image/png": base64.b64encode(buf.getvalue()).decode("ascii"),
            "text/plain": f"<figure{': ' + title if title else ''}>"}


class Animator:
    """Collects (x, y) points for several named curves and redraws them as they arrive.

    In a notebook the figure is redrawn in place (throttled to `interval` seconds; `close()`
    or the end of the cell draws the last points); elsewhere each `add` prints one line.
    """

    def __init__(self, xlabel="epoch", ylabel=None, legend=(), yscale="linear",
                 title=None, figsize=(5, 3), live=None, interval=0.5):
        self.xlabel, self.ylabel, self.legend = xlabel, ylabel, list(legend)
        self.yscale, self.figsize = yscale, figsize
        self.title = title if title is not None else (_TITLES[-1] if _TITLES else None)
        self.live = in_notebook() if live is None else live
        self.X, self.Y = [], {name: [] for name in self.legend}
        self._display = LiveDisplay(interval)

    def add(self, x, **ys):
        """Add the values of one x, e.g. `add(3, train=12.1, valid=14.0)`."""
        self.X.append(x)
        for name, y in ys.items():
            if name not in self.Y:
                self.Y[name] = [None] * (len(self.X) - 1)
                self.legend.append(name)
            self.Y[name].append(y)
        for name in self.Y:                 # keep every curve as long as X
            if len(self.Y[name]) < len(self.X):
                self.Y[name].append(None)
        if self.live:
            self._display.show(self._bundle)    # skipped (and kept pending) if too soon
        else:
            parts = [f"{n} {v:.4g}" for n, v in ys.items() if v is not None]
            print(f"{self.xlabel} {x}: " + ", ".join(parts), file=sys.stdout, flush=True)

    def close(self):
        """Draw the points that a throttled redraw skipped."""
        if self.live:
            self._display.flush()

    def figure(self):
        """A matplotlib figure of everything added so far (not registered with pyplot)."""
        from matplotlib.figure import Figure
        fig = Figure(figsize=self.figsize)
        ax = fig.add_subplot()
        for name in self.legend:
            pts = [(x, y) for x, y in zip(self.X, self.Y[name]) if y is not None]
            if pts:
                ax.plot(*zip(*pts), marker="o" if len(pts) <= 50 else None, ms=3, label=name)
        ax.set_xlabel(self.xlabel)
        if self.ylabel:
            ax.set_ylabel(self.ylabel)
        ax.set_yscale(self.yscale)
        if self.title:
            ax.set_title(self.title)
        if self.legend:
            ax.legend()
        ax.grid(alpha=0.3)
        fig.tight_layout()
        return fig

    def _bundle(self):
        return figure_png(self.figure())


# Fonts that draw Chinese, most common first; any other installed font with the glyphs
# is found by the file scan below.
_CJK_NAMES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC", "Source Han Sans SC",
              "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei",
              "PingFang SC", "Heiti SC", "AR PL UMing CN", "Droid Sans Fallback")
_CJK_FILE_HINTS = ("cjk", "wqy", "han", "droidsansfallback", "simhei", "yahei", "uming", "ukai")


def _draws_chinese(path, sample="中文的是"):
    """True when the font file at `path` has a glyph for every character of `sample`."""
    try:
        from matplotlib.ft2font import FT2Font
        font = FT2Font(str(path))
        return all(font.get_char_index(ord(ch)) for ch in sample)
    except Exception:                       # unreadable or unsupported font file
        return False


@functools.lru_cache(maxsize=1)
def cjk_font():
    """Name of an installed font that really draws Chinese characters, or None.

    The glyphs are checked in the font file, so a None means "label in pinyin or English",
    never a plot of empty boxes. Use it with `cjk_family()`.
    """
    from matplotlib import font_manager
    fm = font_manager.fontManager
    by_name = {f.name: f.fname for f in fm.ttflist}
    for name in _CJK_NAMES:
        if name in by_name and _draws_chinese(by_name[name]):
            return name
    # Fonts installed after matplotlib built its font cache are not in ttflist yet.
    known = {f.fname for f in fm.ttflist}
    for path in font_manager.findSystemFonts():
        if path in known or not any(h in path.lower().replace("-", "") for h in _CJK_FILE_HINTS):
            continue
        if _draws_chinese(path):
            fm.addfont(path)
            return font_manager.FontProperties(fname=path).get_name()
    return None


def cjk_family():
    """A font family list for text that mixes Latin and Chinese, or None without a CJK font.

    Matplotlib falls back glyph by glyph along the list: `ax.text(..., fontfamily=cjk_family())`.
    """
    name = cjk_font()
    return None if name is None else ["DejaVu Sans", name]   # DejaVu ships with matplotlib
