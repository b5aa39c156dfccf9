"""The one error type of the data layer: it names the dataset, what was tried and how to fix it."""
from ..errors import UserError

__all__ = ["DataError", "UnknownDataset"]


class DataError(UserError, RuntimeError):
    """A dataset could not be loaded or failed a check; the message says what to do.

    A `UserError` (the command line prints it as one line and exits 2); also a RuntimeError,
    as it was before UserError existed."""

    def __init__(self, dataset, problem, tried="", fix=""):
        self.dataset, self.problem, self.tried, self.fix = dataset, problem, tried, fix
        parts = [f"dataset {dataset!r}: {problem}"]
        if tried:
            parts.append(f"tried: {tried}")
        if fix:
            parts.append(f"how to fix: {fix}")
        super().__init__("\n  ".join(parts))


class UnknownDataset(DataError, ValueError):
    """A loader was given a dataset name it does not know (also a ValueError)."""

    def __init__(self, topic, name, known):
        super().__init__(name, f"not a known {topic} name", fix=f"use one of {', '.join(map(repr, known))}")
