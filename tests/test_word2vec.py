"""Tests for d2lmini.word2vec: the SGNS loss, the hand-written update, the fast trainer and evaluation."""
import math

import numpy as np
import pytest
import torch

from d2lmini.word2vec import (NoiseTable, SkipGramNS, WordVectors, analogy, evaluate_analogies,
                              evaluate_similarity, keep_probabilities, sgns_loss, sgns_sgd_step,
                              similar_tokens, train_word2vec, window_pairs)


def _nll(x, label):
    """-log P(label | score x) for a sigmoid output, written out by hand."""
    p = 1 / (1 + math.exp(-x))
    return -math.log(p if label == 1 else 1 - p)


def test_sgns_loss_matches_hand_computation_with_mask():
    pred = torch.tensor([[2.0, -1.0, 0.5], [0.3, 1.5, -0.7]])
    labels = torch.tensor([[1, 0, 0], [1, 0, 0]])
    mask = torch.tensor([[1, 1, 1], [1, 1, 0]])          # the second example has one padding slot
    row0 = (_nll(2.0, 1) + _nll(-1.0, 0) + _nll(0.5, 0)) / 3
    row1 = (_nll(0.3, 1) + _nll(1.5, 0)) / 2             # the padded -0.7 must not count
    per_example = sgns_loss(pred, labels, mask, reduction="none")
    assert torch.allclose(per_example, torch.tensor([row0, row1]), atol=1e-6)
    assert math.isclose(float(sgns_loss(pred, labels, mask)), (row0 + row1) / 2, rel_tol=1e-6)
    with pytest.raises(ValueError, match="same shape"):
        sgns_loss(pred, labels[:, :2], mask)


def test_model_scores_are_dot_products():
    torch.manual_seed(0)
    net = SkipGramNS(6, 4)
    with torch.no_grad():
        net.context.weight.normal_()
    centers, ctx = torch.tensor([[1], [2]]), torch.tensor([[3, 4, 5], [0, 1, 2]])
    pred = net(centers, ctx)
    assert pred.shape == (2, 3)
    expected = net.context.weight[4] @ net.center.weight[1]
    assert torch.isclose(pred[0, 1], expected)


def test_hand_written_sgd_step_equals_autograd_step():
    torch.manual_seed(1)
    V, d, B, K, lr = 7, 5, 6, 3, 0.1
    w_in, w_out = torch.randn(V, d), torch.randn(V, d)
    centers, contexts = torch.randint(V, (B,)), torch.randint(V, (B,))
    negatives = torch.randint(V, (B, K))
    # autograd: the summed loss of all pairs, then one plain SGD step
    a_in, a_out = w_in.clone().requires_grad_(), w_out.clone().requires_grad_()
    idx = torch.cat([contexts[:, None], negatives], 1)                       # (B, 1+K)
    scores = (a_out[idx] * a_in[centers][:, None, :]).sum(-1)                # (B, 1+K)
    labels = torch.zeros(B, 1 + K)
    labels[:, 0] = 1
    loss = sgns_loss(scores, labels, torch.ones(B, 1 + K), reduction="none").sum() * (1 + K)
    loss.backward()
    h_in, h_out = w_in.clone(), w_out.clone()
    hand_loss = sgns_sgd_step(h_in, h_out, centers, contexts, negatives, lr)
    assert math.isclose(hand_loss, loss.item(), rel_tol=1e-5)
    assert torch.allclose(h_in, w_in - lr * a_in.grad, atol=1e-5)
    assert torch.allclose(h_out, w_out - lr * a_out.grad, atol=1e-5)


def test_shared_negatives_equal_repeated_own_negatives():
    torch.manual_seed(2)
    V, d, B, K, G = 9, 4, 8, 2, 4
    w_in, w_out = torch.randn(V, d), torch.randn(V, d)
    centers, contexts = torch.randint(V, (B,)), torch.randint(V, (B,))
    shared = torch.randint(V, (B // G, K))                     # one set per group of G pairs
    a_in, a_out, b_in, b_out = w_in.clone(), w_out.clone(), w_in.clone(), w_out.clone()
    la = sgns_sgd_step(a_in, a_out, centers, contexts, shared, 0.05)
    lb = sgns_sgd_step(b_in, b_out, centers, contexts, shared.repeat_interleave(G, 0), 0.05)
    assert math.isclose(la, lb, rel_tol=1e-5)
    assert torch.allclose(a_in, b_in, atol=1e-6) and torch.allclose(a_out, b_out, atol=1e-6)
    with pytest.raises(ValueError, match="equal groups"):
        sgns_sgd_step(a_in, a_out, centers, contexts, torch.randint(V, (3, K)), 0.05)


def test_window_pairs_stay_inside_sentences():
    ids = np.array([1, 2, 3, 4, 5, 6])
    sent = np.array([0, 0, 0, 1, 1, 1])
    c, o = window_pairs(ids, sent, window=1, rng=np.random.default_rng(0))
    got = sorted(zip(c.tolist(), o.tolist()))
    assert got == [(1, 2), (2, 1), (2, 3), (3, 2), (4, 5), (5, 4), (5, 6), (6, 5)]
    c, o = window_pairs(ids, sent, window=5, rng=np.random.default_rng(0))
    assert all((a <= 3) == (b <= 3) for a, b in zip(c, o))       # never across the boundary
    assert len(c) <= 2 * (3 + 2 + 1)                             # at most all pairs of each sentence


def test_subsampling_keeps_rare_words_and_thins_frequent_ones():
    p = keep_probabilities([10_000, 10, 0], sample=1e-3)
    assert p[1] == 1.0 and p[2] == 0.0 and 0 < p[0] < 0.5


def test_noise_table_follows_unigram_to_the_three_quarters():
    counts = np.array([0, 1000, 100, 10])
    table = NoiseTable(counts, size=100_000)
    draws = table.draw((200_000,), generator=torch.Generator().manual_seed(0))
    freq = np.bincount(draws.numpy(), minlength=4) / 200_000
    expected = counts ** 0.75 / (counts ** 0.75).sum()
    assert freq[0] == 0
    assert np.allclose(freq, expected, atol=0.01)


def _toy_vectors():
    #            royal male female fruit
    words = ["king", "queen", "man", "woman", "apple"]
    matrix = [[1.0, 1.0, 0.0, 0.0],
              [1.0, 0.0, 1.0, 0.0],
              [0.0, 1.0, 0.0, 0.1],
              [0.0, 0.0, 1.0, 0.1],
              [0.0, 0.0, 0.0, 1.0]]
    return WordVectors(words, matrix)


def test_similar_tokens_and_analogy_on_hand_made_vectors():
    wv = _toy_vectors()
    top = similar_tokens("king", 2, wv)
    # cos(king, man) = 1/(sqrt2*sqrt1.01) ~ 0.70 beats cos(king, queen) = 0.5; never "king" itself
    assert [w for w, _ in top] == ["man", "queen"]
    assert math.isclose(top[0][1], 1 / (math.sqrt(2) * math.sqrt(1.01)), abs_tol=1e-4)
    assert analogy("man", "king", "woman", wv)[0][0] == "queen"
    assert analogy("king", "man", "queen", wv)[0][0] == "woman"
    with pytest.raises(KeyError, match="not in the vocabulary"):
        similar_tokens("banana", 1, wv)


def test_evaluation_counts_oov_and_coverage():
    wv = _toy_vectors()
    pairs = [("king", "queen", 8.0), ("King", "man", 9.0), ("man", "apple", 1.0),
             ("king", "throne", 7.0), ("castle", "apple", 2.0)]           # two pairs have a missing word
    res = evaluate_similarity(wv, pairs)
    assert res["n_pairs"] == 5 and res["n_covered"] == 3
    assert math.isclose(res["oov_rate"], 0.4)
    assert math.isclose(res["spearman"], 1.0)       # man-king > king-queen > man-apple, as the humans say
    sections = {"gender": [("man", "king", "woman", "queen"), ("man", "woman", "prince", "princess")]}
    acc = evaluate_analogies(wv, sections)
    assert acc["n_covered"] == 1 and math.isclose(acc["coverage"], 0.5)
    assert acc["accuracy"] == 1.0


def test_fast_trainer_pulls_co_occurring_words_together():
    rng = np.random.default_rng(0)
    topics = [[f"a{i}" for i in range(6)], [f"b{i}" for i in range(6)]]
    sentences = [list(rng.choice(topics[s % 2], size=8)) for s in range(400)]
    # small batches: with only 12 words, every word occurs dozens of times in a batch of pairs
    result = train_word2vec(sentences, embed_size=16, window=3, negative=4, sample=0, min_count=1,
                            epochs=3, lr=0.025, batch_size=64, progress=False, plot=False, seed=0,
                            num_threads=1)
    wv = result.vectors
    within = np.mean([wv.similarity(f"{t}{i}", f"{t}{j}") for t in "ab" for i in range(6)
                      for j in range(i + 1, 6)])
    across = np.mean([wv.similarity(f"a{i}", f"b{j}") for i in range(6) for j in range(6)])
    assert within > across + 0.5, (within, across)
    assert result.history["loss"][-1] < result.history["loss"][0]
    assert result.history["words"] == 3 * 400 * 8


def test_trainer_rejects_untokenised_text_with_advice():
    with pytest.raises(TypeError, match="list of token lists"):
        train_word2vec(["the cat sat", "on the mat"], min_count=1, progress=False, plot=False)
    with pytest.raises(ValueError, match="lower min_count"):
        train_word2vec([["rare", "words"]], min_count=5, progress=False, plot=False)
