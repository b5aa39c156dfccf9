import math
import random

import pytest
import torch
from torch import nn

from d2lmini import (RNNScratch, Vocab, evaluate_perplexity, grad_clipping, heldout_perplexity,
                     perplexity, predict_chars, seq_data_iter_random, seq_data_iter_sequential,
                     set_seed, train_lm)
from d2lmini.errors import UserError


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


def _repetitive(repeats, num_hiddens):
    """A seeded model, its vocabulary and the ids of "abcdefgh" repeated `repeats` times."""
    set_seed(0)
    text = "abcdefgh" * repeats
    vocab = Vocab(list(text))
    return RNNScratch(len(vocab), num_hiddens, sigma=0.1), vocab, vocab[list(text)]


def test_training_on_a_repetitive_corpus_reaches_low_perplexity():
    model, vocab, corpus = _repetitive(200, 32)
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


def test_perplexity_of_a_diverged_model_is_inf_not_an_overflow():
    assert perplexity(1e6, 10) == math.inf
    assert math.isnan(perplexity(math.nan, 10))
    with pytest.raises(UserError, match="at least one token"):
        perplexity(1.0, -3)


@pytest.mark.parametrize("temperature", [-0.5, math.nan, math.inf, "hot"])
def test_predict_chars_rejects_a_bad_temperature(temperature):
    vocab = Vocab(list("abc"))
    with pytest.raises(UserError, match="temperature must be a finite number >= 0"):
        predict_chars("a", 3, RNNScratch(len(vocab), 4), vocab, temperature=temperature)


@pytest.mark.parametrize("kw, match", [({"theta": -1}, "theta must be a number > 0"),
                                       ({"theta": 0}, "theta must be a number > 0"),
                                       ({"theta": math.nan}, "theta must be a number > 0"),
                                       ({"lr": math.nan}, "lr must be a finite number > 0"),
                                       ({"lr": math.inf}, "lr must be a finite number > 0"),
                                       ({"lr": -0.1}, "lr must be a finite number > 0"),
                                       ({"num_epochs": 0}, "max_epochs must be an integer >= 1"),
                                       ({"patience": 2}, "patience needs valid_iter")])
def test_train_lm_rejects_bad_settings_before_training(kw, match):
    vocab = Vocab(list("abcab"))
    corpus = vocab[list("abcab" * 40)]
    with pytest.raises(UserError, match=match):
        train_lm(RNNScratch(len(vocab), 4), lambda: seq_data_iter_random(corpus, 2, 5),
                 **{"num_epochs": 1, "lr": 0.1, **kw}, device="cpu", progress=False, plot=False)


def test_train_lm_says_the_third_argument_is_valid_iter():
    vocab = Vocab(list("ab"))
    with pytest.raises(UserError, match="valid_iter must be a function.*vocab="):
        train_lm(RNNScratch(len(vocab), 4), lambda: iter([]), vocab, num_epochs=1, lr=0.1,
                 device="cpu", progress=False, plot=False)


def test_a_diverging_language_model_stops_with_a_clear_error():
    from d2lmini import TrainingDivergedError
    set_seed(0)
    vocab = Vocab(list("abcdefgh"))
    corpus = vocab[list("abcdefgh" * 50)]
    with pytest.raises(TrainingDivergedError, match=r"(at epoch \d+, batch \d+|in epoch \d+).*lower the learning rate"):
        train_lm(RNNScratch(len(vocab), 16, sigma=1.0), lambda: seq_data_iter_random(corpus, 4, 10),
                 num_epochs=20, lr=1e12, theta=None, device="cpu", progress=False, plot=False)


def test_train_lm_early_stopping_restores_the_best_validation_perplexity():
    model, _, corpus = _repetitive(100, 16)
    valid = lambda: seq_data_iter_sequential(corpus, 4, 10, rng=random.Random(0))
    history = train_lm(model, lambda: seq_data_iter_random(corpus, 8, 10), valid, num_epochs=6,
                       lr=0.02, optimizer="adam", patience=2, use_random_iter=True,
                       device="cpu", progress=False, plot=False)
    assert history.monitor == "val_ppl" and history.best_value == min(history["val_ppl"])
    assert evaluate_perplexity(model, valid(), sequential=False) == pytest.approx(history.best_value)
    assert history.info["val_state"] == "reset for every batch"


class _FirstOffset:
    """An rng whose random offset is always 0 (the iterators' `rng.randint`)."""

    def randint(self, a, b):
        return 0


@pytest.mark.parametrize("length", [2, 3, 57, 401])
def test_heldout_perplexity_counts_every_token_and_a_uniform_model_scores_v(length):
    V = 11
    model = RNNScratch(V, 8)
    with torch.no_grad():
        model.W_hq.zero_()                       # logits all zero: the uniform distribution
    ids = [random.Random(length).randrange(V) for _ in range(length)]
    result = heldout_perplexity(model, ids, num_steps=10, batch_size=3)
    assert result["num_tokens"] == length - 1
    assert result["carried"] == pytest.approx(V, rel=1e-5)
    assert result["reset"] == pytest.approx(V, rel=1e-5)


def test_heldout_perplexity_matches_the_iterators_where_they_drop_nothing():
    set_seed(0)
    V = 9
    model = RNNScratch(V, 8, sigma=0.5)
    ids = [random.Random(1).randrange(V) for _ in range(10 * 7 + 1)]   # 7 pieces of 10, exactly
    result = heldout_perplexity(model, ids, num_steps=10, batch_size=4)
    carried = evaluate_perplexity(model, seq_data_iter_sequential(ids, 1, 10, rng=_FirstOffset()),
                                  sequential=True)
    reset = evaluate_perplexity(model, seq_data_iter_sequential(ids, 1, 10, rng=_FirstOffset()),
                                sequential=False)
    assert result["carried"] == pytest.approx(carried, rel=1e-5)
    assert result["reset"] == pytest.approx(reset, rel=1e-5)
    assert result["carried"] != pytest.approx(result["reset"], rel=1e-4)   # state matters


def test_heldout_perplexity_counts_the_tail_the_iterators_drop():
    set_seed(0)
    V = 9
    model = RNNScratch(V, 8, sigma=0.5)
    ids = [random.Random(2).randrange(V) for _ in range(200)]
    batches = list(seq_data_iter_sequential(ids, 4, 10, rng=_FirstOffset()))
    assert sum(Y.numel() for _, Y in batches) < len(ids) - 1             # the iterator drops a tail
    assert heldout_perplexity(model, ids, 10, 4)["num_tokens"] == len(ids) - 1
    with pytest.raises(UserError, match="at least 2 token ids"):
        heldout_perplexity(model, ids[:1])
    with pytest.raises(UserError, match="num_steps must be an integer >= 1"):
        heldout_perplexity(model, ids, num_steps=0)
