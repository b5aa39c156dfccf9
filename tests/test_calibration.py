"""Tests for temperature scaling and the expected calibration error (chapter 7)."""
import pytest
import torch

from d2lmini.calibration import apply_temperature, expected_calibration_error, fit_temperature
from d2lmini.errors import UserError


@pytest.mark.parametrize("true_t", [3.0, 0.5])
def test_fit_temperature_recovers_a_known_temperature(true_t):
    gen = torch.Generator().manual_seed(0)
    true_logits = torch.randn(20_000, 3, generator=gen) * 2.0
    labels = torch.multinomial(torch.softmax(true_logits, -1), 1, generator=gen).squeeze(1)
    t = fit_temperature(true_logits * true_t, labels)
    assert t > 0
    assert t == pytest.approx(true_t, rel=0.05)


def test_temperature_keeps_argmax_and_is_positive():
    gen = torch.Generator().manual_seed(1)
    logits = torch.randn(50, 2, generator=gen) * 40        # very over-confident
    labels = torch.randint(0, 2, (50,), generator=gen)     # labels unrelated to logits
    t = fit_temperature(logits, labels)
    assert t > 1                                           # it must soften them
    assert torch.equal(apply_temperature(logits, t).argmax(-1), logits.argmax(-1))


def test_bad_input_raises_user_error():
    with pytest.raises(UserError, match="non-empty"):
        fit_temperature(torch.zeros(0, 2), torch.zeros(0, dtype=torch.long))
    with pytest.raises(UserError, match="one label per row"):
        fit_temperature(torch.zeros(4, 2), torch.zeros(3, dtype=torch.long))
    with pytest.raises(UserError, match="0..1"):
        fit_temperature(torch.zeros(2, 2), torch.tensor([0, 2]))
    with pytest.raises(UserError, match="> 0"):
        apply_temperature(torch.zeros(2, 2), 0.0)


def test_ece_on_a_hand_computable_case():
    # 4 predictions: confidences 0.95, 0.95 (bin 9, 1 of 2 right) and 0.6, 0.6 (bin 5, both right)
    probs = torch.tensor([[0.95, 0.05], [0.05, 0.95], [0.6, 0.4], [0.4, 0.6]])
    labels = torch.tensor([0, 0, 0, 1])
    # bin 9: |0.5 - 0.95| = 0.45, bin 5: |1.0 - 0.6| = 0.4; each holds half -> 0.425
    assert expected_calibration_error(probs, labels) == pytest.approx(0.425)
    # perfectly calibrated: confidence 1 and always right
    assert expected_calibration_error(torch.eye(2), torch.tensor([0, 1])) == pytest.approx(0.0)
