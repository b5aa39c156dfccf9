import random

import pytest
import torch

from d2lmini.errors import UserError

from d2lmini import seq_data_iter_random, seq_data_iter_sequential


def test_sequential_rows_continue_across_batches():
    corpus = list(range(1000))
    for seed in range(5):
        batches = list(seq_data_iter_sequential(corpus, 4, 7, rng=random.Random(seed)))
        assert len(batches) > 3
        for (X1, Y1), (X2, _) in zip(batches, batches[1:]):
            # the first token of row i in batch k+1 follows the last of row i in batch k
            assert torch.equal(X2[:, 0], X1[:, -1] + 1)
            assert torch.equal(Y1[:, -1], X2[:, 0])
        for X, Y in batches:
            assert X.shape == (4, 7) and torch.equal(Y, X + 1)


def test_random_covers_each_subsequence_once_without_overlap():
    corpus = list(range(500))
    num_steps, batch_size = 5, 3
    for seed in range(5):
        batches = list(seq_data_iter_random(corpus, batch_size, num_steps, rng=random.Random(seed)))
        starts = [int(x) for X, Y in batches for x in X[:, 0]]
        assert len(starts) == len(set(starts))              # no subsequence twice
        offset = min(starts) % num_steps
        assert all((s - offset) % num_steps == 0 for s in starts)  # aligned: no overlap
        # every full subsequence at this offset is served, except < one batch left over
        available = (len(corpus) - offset - 1) // num_steps
        assert available - batch_size < len(starts) <= available
        for X, Y in batches:
            assert X.shape == (batch_size, num_steps)
            assert torch.equal(Y, X + 1)


def test_random_order_changes_with_seed():
    corpus = list(range(300))
    a = [X for X, _ in seq_data_iter_random(corpus, 2, 5, rng=random.Random(1))]
    b = [X for X, _ in seq_data_iter_random(corpus, 2, 5, rng=random.Random(2))]
    assert any(not torch.equal(x, y) for x, y in zip(a, b))



@pytest.mark.parametrize("make", [seq_data_iter_random, seq_data_iter_sequential])
@pytest.mark.parametrize("batch_size, num_steps, name", [
    (0, 5, "batch_size"), (-1, 5, "batch_size"), (-2, 5, "batch_size"), (2.0, 5, "batch_size"),
    (2, 0, "num_steps"), (2, -3, "num_steps"), (True, 5, "batch_size"),
])
def test_bad_sizes_name_the_argument_at_the_call(make, batch_size, num_steps, name):
    with pytest.raises(UserError, match=rf"{name} must be an integer >= 1") as err:
        make(list(range(100)), batch_size, num_steps)   # no next(): the call itself checks
    assert "corpus" not in str(err.value)


@pytest.mark.parametrize("make", [seq_data_iter_random, seq_data_iter_sequential])
def test_a_corpus_too_short_for_one_batch_says_what_is_needed(make):
    with pytest.raises(UserError, match=r"corpus has 20 tokens.*batch_size=4.*num_steps=5"):
        make(list(range(20)), 4, 5)


@pytest.mark.parametrize("make", [seq_data_iter_random, seq_data_iter_sequential])
def test_a_corpus_just_long_enough_always_gives_a_batch(make):
    for length in (4 * 5 + 5, 4 * 5 + 6):
        for seed in range(20):
            try:
                batches = list(make(list(range(length)), 4, 5, rng=random.Random(seed)))
            except UserError:
                assert make is seq_data_iter_sequential and length == 25
                continue
            assert batches and all(X.shape == (4, 5) for X, _ in batches)
