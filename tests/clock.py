"""A clock the tests move by hand, for code that throttles its redraws by time."""


class Clock:
    """Callable like `time.monotonic`; set `.t` to move time."""

    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t
