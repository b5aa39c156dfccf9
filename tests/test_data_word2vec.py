"""word2vec and tagging data helpers: subsampling rates, windows, noise words, padded batches."""
import collections
import math

import numpy as np
import pytest
import torch

from d2lmini import Vocab
from d2lmini.data import (NegativeSampler, batchify_sgns, get_centers_and_contexts, get_negatives,
                          pad_tagging_batch, subsample)


def _zipf_like_sentences():
    # "the" is half of all tokens, "market" 1 in 1000, and 5,000 distinct rare words occur once each.
    tokens = ["the"] * 50_000 + ["market"] * 100 + [f"rare{i}" for i in range(5_000)]
    tokens += ["filler"] * (100_000 - len(tokens))
    rng = np.random.default_rng(1)
    rng.shuffle(tokens)
    return [tokens[i:i + 20] for i in range(0, len(tokens), 20)]


def test_subsample_keeps_rare_words_and_drops_frequent_ones_at_the_documented_rate():
    sentences = _zipf_like_sentences()
    t = 1e-4
    sub, counter = subsample(sentences, collections.Counter(w for s in sentences for w in s), t=t, rng=0)
    kept = collections.Counter(w for s in sub for w in s)
    total = sum(counter.values())
    assert total == 100_000
    # every rare word (f = 1e-5 < t) is kept with probability 1
    assert all(kept[f"rare{i}"] == 1 for i in range(5_000))
    # the frequent word: keep probability sqrt(t / f), f = 0.5
    expected = math.sqrt(t / 0.5) * 50_000                      # about 707
    assert abs(kept["the"] - expected) < 5 * math.sqrt(expected)
    expected_market = math.sqrt(t / 1e-3) * 100                 # about 32
    assert abs(kept["market"] - expected_market) < 5 * math.sqrt(expected_market)
    # order inside a sentence is kept
    for s, k in zip(sentences[:50], sub[:50]):
        it = iter(s)
        assert all(w in it for w in k)


def test_subsample_with_a_vocab_drops_unknown_tokens_and_is_seeded():
    sentences = [["a", "b", "zzz"], ["a", "c"]] * 10
    vocab = Vocab([["a", "b", "c"]])
    sub1, counter = subsample(sentences, vocab, t=1.0, rng=3)
    sub2, _ = subsample(sentences, vocab, t=1.0, rng=3)
    assert sub1 == sub2
    assert "zzz" not in counter and all("zzz" not in s for s in sub1)
    with pytest.raises(TypeError, match="Vocab or a Counter"):
        subsample(sentences, ["a"], rng=0)


def test_centers_and_contexts_never_include_the_centre_position():
    # every token is its position, so a context containing the centre's own position is visible
    corpus = [list(range(0, 12)), [100], list(range(200, 205))]
    centers, contexts = get_centers_and_contexts(corpus, max_window_size=3, rng=0)
    assert centers == list(range(0, 12)) + list(range(200, 205))   # the 1-word sentence gives none
    for c, ctx in zip(centers, contexts):
        assert c not in ctx
        base = 0 if c < 100 else 200
        sentence = corpus[0] if c < 100 else corpus[2]
        w = max(abs(x - c) for x in ctx)
        assert 1 <= w <= 3
        # the window is symmetric and contiguous, clipped at the sentence ends
        assert ctx == [x for x in sentence if 0 < abs(x - c) <= w], (c, ctx)
        assert min(ctx) >= base


def test_noise_words_are_never_a_context_word_and_follow_unigram_075():
    tokens = [f"w{i}" for i in range(10)]
    counter = collections.Counter({f"w{i}": 2 ** i for i in range(10)})
    vocab = Vocab([tokens])
    rng = np.random.default_rng(0)
    contexts = [[vocab[f"w{j}"] for j in rng.choice(10, size=4, replace=False)] for _ in range(2000)]
    negatives = get_negatives(contexts, vocab, counter, K=5, rng=0)
    assert [len(n) for n in negatives] == [5 * len(c) for c in contexts]
    for ctx, neg in zip(contexts, negatives):
        assert not set(ctx) & set(neg)
        assert vocab.unk not in neg
    # without rejection the ratio between w9 and w5 would be (2**4) ** 0.75 = 8
    sampler = NegativeSampler(np.array([0] + [2 ** (0.75 * i) for i in range(10)]), rng=1)
    draws = collections.Counter(sampler.sample(200_000).tolist())
    assert 7.0 < draws[vocab["w9"]] / draws[vocab["w5"]] < 9.0
    assert draws[0] == 0 and isinstance(sampler.draw(), int)


def test_batchify_sgns_masks_and_labels_line_up():
    data = [(1, [2, 3], [4, 5, 6, 7]), (8, [9], [10, 11]), (12, [13, 14, 15], [16, 17, 18, 19, 20, 21])]
    centers, ctx_neg, masks, labels = batchify_sgns(data)
    L = max(len(c) + len(n) for _, c, n in data)
    assert centers.shape == (3, 1) and ctx_neg.shape == masks.shape == labels.shape == (3, L)
    for i, (center, c, n) in enumerate(data):
        assert centers[i, 0] == center
        assert masks[i].sum() == len(c) + len(n)
        assert labels[i].sum() == len(c)
        assert ctx_neg[i, :len(c)].tolist() == c
        assert ctx_neg[i, len(c):len(c) + len(n)].tolist() == n
    assert bool((labels <= masks).all())          # a label is never set on padding


def test_pad_tagging_batch_uses_vocab_pad_and_ignore_index():
    vocab = Vocab([["EU", "rejects", "German", "call"]], reserved_tokens=["<pad>"])
    assert vocab.pad != 0
    batch = [(vocab[["EU", "rejects"]], [1, 0]), (vocab[["German", "call", "EU"]], [2, 0, 1])]
    tokens, tags, lengths = pad_tagging_batch(batch, pad_index=vocab.pad)
    assert tokens.shape == tags.shape == (2, 3) and lengths.tolist() == [2, 3]
    assert tokens[0, 2] == vocab.pad and tags[0, 2] == -100
    # the loss over the padded batch equals the loss over the real tokens only
    logits = torch.randn(2, 3, 4)
    padded = torch.nn.functional.cross_entropy(logits.reshape(-1, 4), tags.reshape(-1), ignore_index=-100)
    real = torch.cat([logits[0, :2], logits[1, :3]])
    assert torch.allclose(padded, torch.nn.functional.cross_entropy(real, torch.tensor([1, 0, 2, 0, 1])))
    with pytest.raises(ValueError, match="tokens but"):
        pad_tagging_batch([([1, 2], [0])], pad_index=1)


def test_batch_helpers_refuse_bad_arguments_with_advice():
    from d2lmini.errors import UserError
    corpus = [[1, 2, 3, 4]]
    for bad in (0, -1, 2.5, True):
        with pytest.raises(UserError, match="max_window_size must be an integer >= 1"):
            get_centers_and_contexts(corpus, max_window_size=bad, rng=0)
    vocab = Vocab([["a", "b", "c"]])
    counter = collections.Counter({"a": 3, "b": 2, "c": 1})
    with pytest.raises(UserError, match="K must be an integer >= 1"):
        get_negatives([[vocab["a"]]], vocab, counter, K=0, rng=0)
    with pytest.raises(UserError, match="threshold t must be > 0"):
        subsample([["a", "b"]], counter, t=0, rng=0)
    with pytest.raises(UserError, match="non-negative numbers with a positive sum"):
        NegativeSampler(np.array([0.0, -1.0, 2.0]), rng=0)
    with pytest.raises(UserError, match="got no examples"):
        batchify_sgns([])
