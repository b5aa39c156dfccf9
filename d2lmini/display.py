"""Live outputs that survive a saved notebook: plain HTML/PNG bundles updated in place.

A progress bar or a training curve is shown once with `display(..., display_id=True)` and
then replaced through its handle (the way fastprogress does it). Unlike an ipywidget, the
last bundle is an ordinary output: JupyterLab saves it, and it reopens intact.
"""
import time

__all__ = ["in_notebook", "LiveDisplay"]


def in_notebook():
    """True inside a Jupyter kernel (where outputs can be replaced in place)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and shell.__class__.__name__ == "ZMQInteractiveShell"


class LiveDisplay:
    """One output area, redrawn at most once per `interval` seconds.

    Callers ask `due()` before building an expensive bundle, then `show(bundle)`; a bundle
    is a dict such as {"text/html": ..., "text/plain": ...}. `show(..., force=True)` always
    draws (use it for the final state). If a skipped redraw is still pending when the cell
    finishes, `flush` (registered on IPython's post_execute event) draws it then.
    """

    def __init__(self, interval=0.5, clock=time.monotonic):
        self.interval, self.clock = interval, clock
        self.handle, self.last, self.redraws = None, None, 0
        self._pending = None          # a callable returning the latest bundle, not yet drawn
        self._hooked = False

    def due(self):
        """True when enough time has passed since the last redraw."""
        return self.last is None or self.clock() - self.last >= self.interval

    def show(self, bundle, force=False):
        """Draw `bundle` (a dict, or a callable returning one) now if due or forced."""
        if not (force or self.due()):
            self._pending = bundle if callable(bundle) else (lambda: bundle)
            self._hook()
            return False
        self._pending = None
        self._publish(bundle() if callable(bundle) else bundle)
        self.last = self.clock()
        self.redraws += 1
        return True

    def flush(self, *args):
        """Draw the last skipped bundle, if any."""
        if self._pending is not None:
            self.show(self._pending, force=True)
        self._unhook()

    def _publish(self, bundle):
        from IPython.display import display
        if self.handle is None:
            self.handle = display(bundle, raw=True, display_id=True)
        else:
            self.handle.update(bundle, raw=True)

    def _hook(self):
        if self._hooked:
            return
        try:
            from IPython import get_ipython
            shell = get_ipython()
        except ImportError:
            shell = None
        if shell is not None:
            shell.events.register("post_execute", self.flush)
            self._hooked = True

    def _unhook(self):
        if not self._hooked:
            return
        from IPython import get_ipython
        shell = get_ipython()
        if shell is not None:
            try:
                shell.events.unregister("post_execute", self.flush)
            except ValueError:
                pass
        self._hooked = False
