"""Small helpers every chapter needs: seeds, devices, quick mode, shape and argument checks."""
import contextlib
import math
import numbers
import os
import random

import numpy as np
import torch

from .errors import UserError

__all__ = ["ArgumentError", "by_mode", "check_fraction", "check_positive",
           "check_positive_int", "check_shape", "env_flag", "evaluating", "is_quick",
           "model_device", "set_seed", "try_device"]


class ArgumentError(UserError, ValueError):
    """A bad argument to a library function; the message names it and says what to pass."""


def set_seed(seed=0):
    """Seed Python, NumPy and PyTorch (CPU and every GPU) in one place; returns the seed."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    return seed


def try_device():
    """The best device available: CUDA, then Apple's MPS, then the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def is_quick():
    """True when D2LMINI_QUICK is set to a true value: notebooks then shrink data and epochs."""
    return env_flag("D2LMINI_QUICK")


def env_flag(name):
    """True when the environment variable `name` says yes (1, true, yes, on; any case)."""
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def by_mode(full, quick):
    """Pick a setting for the current mode: `full` for students, `quick` for CI smoke runs."""
    return quick if is_quick() else full


def check_shape(tensor, shape):
    """Raise a readable error unless `tensor.shape == shape` (use inline, d2l style)."""
    if tuple(tensor.shape) != tuple(shape):
        raise AssertionError(f"expected shape {tuple(shape)}, got {tuple(tensor.shape)}")
    return tensor


def model_device(model):
    """The device of the model's first parameter (where its inputs must go)."""
    for p in model.parameters():
        return p.device
    return torch.device("cpu")


@contextlib.contextmanager
def evaluating(model):
    """Run the block with `model` in eval mode and without gradients, then restore its mode.

    Dropout is off inside, no graph is built, and a model that was training is training again
    afterwards, even if the block raised.
    """
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            yield model
    finally:
        model.train(was_training)


def check_positive_int(name, value, minimum=1, hint=None):
    """Return `value` if it is an integer >= `minimum`, else raise `ArgumentError` naming `name`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ArgumentError(f"{name} must be an integer >= {minimum}, got {value!r}"
                            + (f"; {hint}" if hint else ""))
    return int(value)


def check_positive(name, value, hint=None):
    """Return `value` as a float if it is finite and > 0, else raise `ArgumentError`."""
    ok = (isinstance(value, numbers.Real) and not isinstance(value, bool)
          and math.isfinite(value) and value > 0)
    if not ok:
        raise ArgumentError(f"{name} must be a finite number > 0, got {value!r}"
                            + (f"; {hint}" if hint else ""))
    return float(value)


def check_fraction(name, value):
    """Return `value` if it is a number in [0, 1), else raise `ArgumentError`."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and 0 <= value < 1
    if not ok:
        raise ArgumentError(f"{name} must be a number in [0, 1), got {value!r}")
    return float(value)
