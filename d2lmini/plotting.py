"""Live training plots that work in Jupyter and degrade to printed lines elsewhere."""
import sys


def in_notebook():
    """True inside a Jupyter kernel (where figures can be redrawn in place)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and shell.__class__.__name__ == "ZMQInteractiveShell"


class Animator:
    """Collects (x, y) points for several named curves and redraws them as they arrive.

    In a notebook the figure is redrawn in place; elsewhere each `add` prints one line.
    """

    def __init__(self, xlabel="epoch", ylabel=None, legend=(), yscale="linear",
                 title=None, figsize=(5, 3), live=None):
        self.xlabel, self.ylabel, self.legend = xlabel, ylabel, list(legend)
        self.yscale, self.title, self.figsize = yscale, title, figsize
        self.live = in_notebook() if live is None else live
        self.X, self.Y = [], {name: [] for name in self.legend}
        self._handle = None

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
            self._redraw()
        else:
            parts = [f"{n} {v:.4g}" for n, v in ys.items() if v is not None]
            print(f"{self.xlabel} {x}: " + ", ".join(parts), file=sys.stdout, flush=True)

    def figure(self):
        """A matplotlib figure of everything added so far."""
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=self.figsize)
        for name in self.legend:
            pts = [(x, y) for x, y in zip(self.X, self.Y[name]) if y is not None]
            if pts:
                ax.plot(*zip(*pts), marker="o", ms=3, label=name)
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

    def _redraw(self):
        import matplotlib.pyplot as plt
        from IPython.display import display
        fig = self.figure()
        if self._handle is None:
            self._handle = display(fig, display_id=True)
        else:
            self._handle.update(fig)
        plt.close(fig)


def cjk_font():
    """Name of an installed font that can draw Chinese characters, or None.

    Use it as `plt.rcParams['font.family'] = name` only when it is not None; otherwise
    label plots in pinyin or English rather than getting empty boxes.
    """
    from matplotlib import font_manager
    wanted = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC", "Source Han Sans SC",
              "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei",
              "PingFang SC", "Heiti SC", "AR PL UMing CN")
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for name in wanted:
        if name in installed:
            return name
    return None
