"""The one error type of the data layer: it names the dataset, what was tried and how to fix it."""


class DataError(RuntimeError):
    """A dataset could not be loaded or failed a check; the message says what to do."""

    def __init__(self, dataset, problem, tried="", fix=""):
        self.dataset, self.problem, self.tried, self.fix = dataset, problem, tried, fix
        parts = [f"dataset {dataset!r}: {problem}"]
        if tried:
            parts.append(f"tried: {tried}")
        if fix:
            parts.append(f"how to fix: {fix}")
        super().__init__("\n  ".join(parts))
