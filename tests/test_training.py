import math
import random

import pytest
import torch
from torch import nn

from d2lmini.errors import UserError
from d2lmini import (RNNScratch, Vocab, evaluate_perplexity, grad_clipping, perplexity,
                     predict_chars, seq_data_iter_random, seq_data_iter_sequential, set_seed,
                     train_lm)


def _params_with_grads(scale):
    params = [nn.Parameter(torch.zeros(3, 4)), nn.Parameter(torch.zeros(5))]
    params[0].grad = torch.full((3, 4), 1.0 * scale)
    params[1].grad = torch.full((5,), 2.0 * scale)
    return params


def test_grad_clipping_caps_global_norm_and_returns_pre_clip_norm():
    params = _params_with_grads(10.0)
    expected = math.sqrt(12 * 100 + 5 * 400)
    before = [p.grad.clone() for p in params]
    norm = grad_clipping(params, theta=1.0)
    assert norm == pytest.approx(expected, rel=1e-6)
    after = math.sqrt(sum(float((p.grad ** 2).sum()) for p in params))
    assert after == pytest.approx(1.0, rel=1e-5)
    # the direction is kept: every gradient scaled by the same factor
    for p, b in zip(params, before):
        torch.testing.assert_close(p.grad, b / expected)


def test_grad_clipping_leaves_small_gradients_untouched():
    params = _params_with_grads(0.01)
    before = [p.grad.clone() for p in params]
    norm = grad_clipping(params, theta=5.0)
    assert norm < 5.0
    for p, b in zip(params, before):
        assert torch.equal(p.grad, b)


def test_grad_clipping_accepts_a_module():
    model = nn.Linear(3, 2)
    model(torch.ones(4, 3)).sum().mul(100).backward()
    pre = grad_clipping(model, 0.5)
    assert pre > 0.5
    post = math.sqrt(sum(float((p.grad ** 2).sum()) for p in model.parameters()))
    assert post == pytest.approx(0.5, rel=1e-5)


def test_perplexity_formula():
    assert perplexity(0.0, 10) == 1.0
    assert perplexity(10 * math.log(7), 10) == pytest.approx(7.0)
    with pytest.raises(ValueError):
        perplexity(1.0, 0)


def test_uniform_model_has_perplexity_equal_to_vocab_size():
    V = 13
    model = RNNScratch(V, 8)
    with torch.no_grad():
        model.W_hq.zero_()      # logits are all zero: the uniform distribution
    corpus = [random.Random(0).randrange(V) for _ in range(400)]
    data = seq_data_iter_sequential(corpus, 4, 10, rng=random.Random(0))
    assert evaluate_perplexity(model, data) == pytest.approx(V, rel=1e-5)


def test_training_on_a_repetitive_corpus_reaches_low_perplexity():
    set_seed(0)
    text = "abcdefgh" * 200
    vocab = Vocab(list(text))
    corpus = vocab[list(text)]
    model = RNNScratch(len(vocab), 32, sigma=0.1)
    history = train_lm(model, lambda: seq_data_iter_random(corpus, 8, 10),
                       lambda: seq_data_iter_sequential(corpus, 4, 10), lr=0.01,
                       num_epochs=15, theta=1.0, device=torch.device("cpu"),
                       use_random_iter=True, optimizer="adam", progress=False, plot=False)
    assert history["train_ppl"][0] > 2  # starts far from the 1.0 it reaches
    assert history["val_ppl"][-1] < 1.5
    assert all(s > 0 for s in history["tokens_per_s"])
    assert predict_chars("abc", 8, model, vocab) == "abcdefghabc"


def test_sequential_training_detaches_state():
    set_seed(1)
    text = "hello world " * 100
    vocab = Vocab(list(text))
    corpus = vocab[list(text)]
    model = RNNScratch(len(vocab), 16)
    history = train_lm(model, lambda: seq_data_iter_sequential(corpus, 4, 8), lr=1.0,
                       num_epochs=2, device=torch.device("cpu"), progress=False, plot=False)
    assert len(history["train_ppl"]) == 2 and history["train_ppl"][1] < history["train_ppl"][0]


def test_sampling_with_temperature_is_seeded_and_valid():
    vocab = Vocab(list("abc"))
    model = RNNScratch(len(vocab), 8, sigma=1.0)
    gen = lambda: torch.Generator().manual_seed(3)
    a = predict_chars("a", 20, model, vocab, temperature=1.0, generator=gen())
    b = predict_chars("a", 20, model, vocab, temperature=1.0, generator=gen())
    assert a == b and a.startswith("a")
    assert len(a.replace("<unk>", "?")) == 21 and set(a.replace("<unk>", "")) <= set("abc")
    with pytest.raises(ValueError, match="prefix"):
        predict_chars("", 5, model, vocab)


def test_empty_data_iterator_gives_clear_error():
    vocab = Vocab(list("ab"))
    model = RNNScratch(len(vocab), 4)
    with pytest.raises(UserError, match="batches were empty"):
        train_lm(model, lambda: iter([]), lr=0.1, num_epochs=1,
                 device=torch.device("cpu"), progress=False, plot=False)


def test_bad_optimizer_name_and_empty_validation_give_clear_errors():
    vocab = Vocab(list("ab"))
    model = RNNScratch(len(vocab), 4)
    with pytest.raises(ValueError, match="optimizer must be"):
        train_lm(model, lambda: iter([]), lr=0.1, num_epochs=1, optimizer="rmsprop",
                 device=torch.device("cpu"), progress=False, plot=False)
    with pytest.raises(ValueError, match="shorter than"):
        evaluate_perplexity(model, iter([]))
