"""The bootstrap and seed intervals on cases whose answer is known by hand."""
import numpy as np
import pytest

from d2lmini.intervals import (accuracy_counts, accuracy_from_counts, bootstrap, bootstrap_weights,
                               entity_counts, f1_from_counts, paired_bootstrap, seed_interval)
from d2lmini.metrics import tagging_scores


def test_weights_draw_each_sample_of_n_items():
    w = bootstrap_weights(5, 300, seed=1)
    assert w.shape == (300, 5) and (w.sum(axis=1) == 5).all() and (w >= 0).all()
    assert (bootstrap_weights(5, 300, seed=1) == w).all()          # seeded: reproducible


def test_all_equal_differences_give_that_exact_value():
    # every item: system A right, system B wrong -> the accuracy difference is 1 in every sample
    a = accuracy_counts([1, 1, 1, 1], [1, 1, 1, 1])
    b = accuracy_counts([1, 1, 1, 1], [0, 0, 0, 0])
    iv = paired_bootstrap(a, b, accuracy_from_counts, n_boot=500)
    assert (iv.estimate, iv.low, iv.high) == (1.0, 1.0, 1.0)
    assert iv.discordant == 4 and iv.excludes_zero


def test_two_items_resampling_distribution_enumerated():
    # A right on item 0 only, B wrong on both: the 4 equally likely resamples of 2 items give
    # differences (0,0)->0, (0,1)->1/2, (1,0)->1/2, (1,1)->1: P(0)=1/4, P(1/2)=1/2, P(1)=1/4
    a = accuracy_counts([1, 1], [1, 0])
    b = accuracy_counts([1, 1], [0, 0])
    iv = paired_bootstrap(a, b, accuracy_from_counts, n_boot=20000, seed=0)
    values, counts = np.unique(iv.samples, return_counts=True)
    assert values.tolist() == [0.0, 0.5, 1.0]
    assert np.allclose(counts / counts.sum(), [0.25, 0.5, 0.25], atol=0.015)
    assert (iv.estimate, iv.low, iv.high) == (0.5, 0.0, 1.0)       # 2.5 % and 97.5 % quantiles


def test_identical_systems_have_zero_width_and_say_so():
    a = accuracy_counts([0, 1, 1, 0], [0, 1, 0, 0])
    iv = paired_bootstrap(a, a.copy(), accuracy_from_counts, n_boot=200)
    assert (iv.low, iv.high, iv.discordant) == (0.0, 0.0, 0)
    assert "no evidence" in str(iv) and not iv.excludes_zero


def test_entity_counts_sum_to_seqeval_f1():
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "I-ORG", "I-ORG", "O"], ["O", "B-MISC", "I-MISC"]]
    pred = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "I-ORG", "O", "O"], ["O", "I-MISC", "I-MISC"]]
    counts = entity_counts(gold, pred)
    assert counts.tolist() == [[2, 2, 2], [0, 1, 1], [0, 0, 1]]
    labels = ["O"] + [f"{p}-{t}" for t in ("LOC", "MISC", "ORG", "PER") for p in "BI"]
    assert f1_from_counts(counts.sum(0)) == pytest.approx(tagging_scores(gold, pred, labels)["entity_f1"])
    iv = bootstrap(counts, f1_from_counts, n_boot=500)
    assert iv.low <= iv.estimate <= iv.high and iv.low < iv.high


def test_paired_is_narrower_than_the_difference_of_two_unpaired_intervals():
    rng = np.random.default_rng(0)
    hard = rng.random(400) < 0.5                        # items hard for both systems
    a = accuracy_counts(np.ones(400), ~hard | (rng.random(400) < 0.3))
    b = accuracy_counts(np.ones(400), ~hard | (rng.random(400) < 0.2))
    paired = paired_bootstrap(a, b, accuracy_from_counts, n_boot=1000)
    ia, ib = bootstrap(a, accuracy_from_counts, n_boot=1000), bootstrap(b, accuracy_from_counts, n_boot=1000)
    assert paired.high - paired.low < (ia.high - ia.low) + (ib.high - ib.low)


def test_seed_interval_by_hand():
    # values 1, 2, 3: mean 2, sd 1, sem 1/sqrt(3), t(0.975, 2) = 4.302653
    iv = seed_interval([1.0, 2.0, 3.0])
    half = 4.302653 / np.sqrt(3)
    assert iv.estimate == 2.0 and iv.low == pytest.approx(2 - half) and iv.high == pytest.approx(2 + half)
    with pytest.raises(ValueError):
        seed_interval([1.0])


def test_mismatched_systems_are_refused():
    with pytest.raises(ValueError, match="same items"):
        paired_bootstrap(np.ones((3, 2)), np.ones((4, 2)), accuracy_from_counts)
