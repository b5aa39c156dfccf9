"""Small helpers every chapter needs: seeds, devices, quick mode and shape checks."""
import os
import random

import numpy as np
import torch


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
