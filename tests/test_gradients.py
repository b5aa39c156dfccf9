"""Tests for d2lmini.gradients: unrolled cells, per-step gradient norms, the GRU variants."""
import pytest
import torch
from torch import nn

from d2lmini.gradients import (GRUVariantCell, first_token_batch, per_step_grad_norms,
                               train_first_token, unroll)


def test_gru_variant_gates_pinned_to_one():
    torch.manual_seed(0)
    x, h = torch.randn(4, 3), torch.randn(4, 5)
    u, r, _ = GRUVariantCell(3, 5, fix_update=True).gates(x, h)
    assert torch.equal(u, torch.ones(4, 5)) and not torch.equal(r, torch.ones(4, 5))
    u, r, _ = GRUVariantCell(3, 5, fix_reset=True).gates(x, h)
    assert torch.equal(r, torch.ones(4, 5)) and not torch.equal(u, torch.ones(4, 5))


def test_gru_variant_fixed_update_returns_candidate():
    # With Γu = 1 the new state is exactly the candidate: nothing of h_{t-1} is copied.
    torch.manual_seed(0)
    cell = GRUVariantCell(3, 5, fix_update=True)
    x, h = torch.randn(2, 3), torch.randn(2, 5)
    _, _, cand = cell.gates(x, h)
    assert torch.allclose(cell(x, h), cand)


def test_gru_variant_copies_state_when_update_gate_closed():
    # A very negative update bias makes Γu ≈ 0, so h_t ≈ h_{t-1} (Ng's convention).
    cell = GRUVariantCell(3, 5, update_bias=-30.0)
    x, h = torch.randn(2, 3), torch.randn(2, 5)
    assert torch.allclose(cell(x, h), h, atol=1e-6)


def test_gru_variant_matches_hand_computation():
    torch.manual_seed(1)
    cell = GRUVariantCell(2, 3)
    x, h = torch.randn(1, 2), torch.randn(1, 3)
    W, b = cell.x_proj.weight, cell.x_proj.bias
    Wu, Wr, Wc = W[:3], W[3:6], W[6:]
    Uu, Ur = cell.h_gates.weight[:3], cell.h_gates.weight[3:]
    u = torch.sigmoid(x @ Wu.T + b[:3] + h @ Uu.T)
    r = torch.sigmoid(x @ Wr.T + b[3:6] + h @ Ur.T)
    c = torch.tanh(x @ Wc.T + b[6:] + (r * h) @ cell.h_cand.weight.T)
    assert torch.allclose(cell(x, h), u * c + (1 - u) * h, atol=1e-6)


@pytest.mark.parametrize("cell", [nn.RNNCell(4, 6), nn.GRUCell(4, 6), nn.LSTMCell(4, 6),
                                  GRUVariantCell(4, 6)])
def test_unroll_shapes_and_grad_norms(cell):
    torch.manual_seed(0)
    inputs = torch.randn(3, 7, 4)
    states = unroll(cell, inputs)
    assert len(states) == 7 and states[-1].shape == (3, 6)
    norms = per_step_grad_norms(cell, nn.Linear(6, 2), inputs, torch.tensor([0, 1, 0]))
    assert norms.shape == (7,) and bool((norms >= 0).all()) and norms[-1] > 0


def test_grad_norms_match_autograd_of_a_single_state():
    # ||dL/dh_t|| from retain_grad equals the gradient of the same loss w.r.t. h_t computed directly.
    torch.manual_seed(0)
    cell, head = nn.RNNCell(2, 3), nn.Linear(3, 2)
    inputs, labels = torch.randn(2, 4, 2), torch.tensor([1, 0])
    norms = per_step_grad_norms(cell, head, inputs, labels)
    states = unroll(cell, inputs)
    loss = nn.functional.cross_entropy(head(states[-1]), labels)
    (g,) = torch.autograd.grad(loss, states[1])
    assert torch.allclose(norms[1], g.norm(), rtol=1e-5)


def test_unroll_rejects_2d_input():
    with pytest.raises(ValueError, match="batch, num_steps, input_size"):
        unroll(nn.RNNCell(2, 3), torch.zeros(4, 2))


def test_first_token_batch_label_is_first_token():
    X, y = first_token_batch(16, 9, 4, torch.Generator().manual_seed(0))
    assert X.shape == (16, 9) and torch.equal(y, X[:, 0])
    assert int(X.max()) < 4 and int(X.min()) >= 0
    with pytest.raises(ValueError):
        first_token_batch(2, 0, 4)


def test_short_first_token_task_is_learned():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)   # tiny tensors: threads only add overhead on a busy machine
    try:
        torch.manual_seed(0)
        result = train_first_token(GRUVariantCell(4, 16), num_steps=3, num_classes=4,
                                   iterations=100, eval_size=200)
    finally:
        torch.set_num_threads(threads)
    assert result["accuracy"] > 0.9
    assert result["final_loss"] < result["losses"][0]
