import random
import subprocess
import sys

import numpy as np
import pytest
import torch

from d2lmini import by_mode, check_shape, is_quick, set_seed, try_device
from d2lmini.cli import main


def test_set_seed_makes_python_numpy_and_torch_repeat():
    set_seed(42)
    a = (random.random(), np.random.rand(), torch.rand(1).item())
    set_seed(42)
    b = (random.random(), np.random.rand(), torch.rand(1).item())
    assert a == b


def test_try_device_returns_a_usable_device():
    device = try_device()
    assert torch.zeros(1, device=device).device.type == device.type


def test_quick_mode_switch(monkeypatch):
    monkeypatch.setenv("D2LMINI_QUICK", "1")
    assert is_quick() and by_mode(full=100, quick=2) == 2
    monkeypatch.setenv("D2LMINI_QUICK", "0")
    assert not is_quick() and by_mode(full=100, quick=2) == 100


def test_check_shape():
    assert check_shape(torch.zeros(2, 3), (2, 3)).shape == (2, 3)
    with pytest.raises(AssertionError, match=r"expected shape \(3, 2\)"):
        check_shape(torch.zeros(2, 3), (3, 2))


def test_cli_help_and_info(capsys):
    assert main(["info"]) == 0
    assert "torch" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    assert "course" in capsys.readouterr().out


def test_python_dash_m_entry_point():
    result = subprocess.run([sys.executable, "-m", "d2lmini", "--help"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "usage: d2lmini" in result.stdout
