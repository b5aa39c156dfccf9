import pytest
import torch
from torch import nn

from d2lmini import RNNLM, RNNScratch, one_hot, set_seed


def _copy_into_torch(scratch):
    """nn.RNN + nn.Linear holding exactly the scratch model's weights."""
    V, H = scratch.vocab_size, scratch.num_hiddens
    rnn, linear = nn.RNN(V, H, batch_first=True), nn.Linear(H, V)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(scratch.W_xh.T)
        rnn.weight_hh_l0.copy_(scratch.W_hh.T)
        rnn.bias_ih_l0.copy_(scratch.b_h)
        rnn.bias_hh_l0.zero_()
        linear.weight.copy_(scratch.W_hq.T)
        linear.bias.copy_(scratch.b_q)
    return rnn, linear


@pytest.mark.parametrize("as_one_hot", [False, True])
def test_scratch_matches_nn_rnn_logits_and_gradients(as_one_hot):
    set_seed(0)
    V, H, B, T = 11, 16, 3, 7
    scratch = RNNScratch(V, H, sigma=0.3)
    with torch.no_grad():
        scratch.b_h.normal_(0, 0.1)
        scratch.b_q.normal_(0, 0.1)
    rnn, linear = _copy_into_torch(scratch)
    X = torch.randint(0, V, (B, T))
    Y = torch.randint(0, V, (B, T))
    h0 = torch.randn(B, H) * 0.5

    inputs = one_hot(X, V) if as_one_hot else X
    logits, h = scratch(inputs, h0)
    out, h_ref = rnn(one_hot(X, V), h0.unsqueeze(0))
    logits_ref = linear(out)
    assert logits.shape == (B, T, V) and h.shape == (B, H)
    torch.testing.assert_close(logits, logits_ref, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(h, h_ref[0], rtol=1e-5, atol=1e-6)

    loss_fn = nn.CrossEntropyLoss()
    loss_fn(logits.reshape(-1, V), Y.reshape(-1)).backward()
    loss_fn(logits_ref.reshape(-1, V), Y.reshape(-1)).backward()
    pairs = [(scratch.W_xh.grad, rnn.weight_ih_l0.grad.T),
             (scratch.W_hh.grad, rnn.weight_hh_l0.grad.T),
             (scratch.b_h.grad, rnn.bias_ih_l0.grad),
             (scratch.W_hq.grad, linear.weight.grad.T),
             (scratch.b_q.grad, linear.bias.grad)]
    for mine, ref in pairs:
        torch.testing.assert_close(mine, ref, rtol=1e-4, atol=1e-6)


def test_state_lives_on_the_model_device_and_default_state():
    model = RNNScratch(5, 4)
    state = model.begin_state(2)
    assert state.device == model.W_hh.device and state.shape == (2, 4)
    assert torch.count_nonzero(state) == 0
    X = torch.randint(0, 5, (2, 3))
    a, _ = model(X)
    b, _ = model(X, state)
    torch.testing.assert_close(a, b)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_rnnlm_shapes_and_state(cell):
    model = RNNLM(9, 8, cell=cell, num_layers=2)
    X = torch.randint(0, 9, (4, 6))
    logits, state = model(X, model.begin_state(4))
    assert logits.shape == (4, 6, 9)
    h = state[0] if cell == "lstm" else state
    assert h.shape == (2, 4, 8)


def test_rnnlm_rejects_unknown_cell():
    with pytest.raises(ValueError, match="cell must be one of"):
        RNNLM(5, 4, cell="transformer")


@pytest.mark.parametrize("bad", [-1, 7])
def test_models_reject_token_ids_outside_the_vocabulary(bad):
    V = 7
    X = torch.tensor([[0, 1, bad]])
    with pytest.raises(IndexError, match=rf"RNNScratch: token ids must lie in \[0, 6\].*min {min(0, bad)}"):
        RNNScratch(V, 4)(X)
    with pytest.raises(IndexError, match="RNNLM: token ids must lie in"):
        RNNLM(V, 4, embed_size=3)(X)


def test_scratch_model_rejects_bad_sizes():
    with pytest.raises(ValueError, match="num_hiddens must be an integer >= 1"):
        RNNScratch(5, 0)
