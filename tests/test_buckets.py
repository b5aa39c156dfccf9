"""Length-bucketed tagging batches: every sentence once, little padding, seeded order."""
from d2lmini.data import pad_tagging_batch
from d2lmini.data.buckets import BucketBatches, padding_share


def _encoded(n=50):
    return [([i + 1] * (1 + i % 17), [0] * (1 + i % 17)) for i in range(n)]


def test_every_sentence_once_and_little_padding():
    enc = _encoded()
    bb = BucketBatches(enc, pad_index=0, batch_size=8)
    seen = sorted(int(tok[0]) for tokens, _, lengths in bb for tok in tokens)
    assert seen == list(range(1, 51)) and len(bb) == 7
    in_order = [pad_tagging_batch(enc[k:k + 8], 0) for k in range(0, 50, 8)]
    assert padding_share(bb) < padding_share(in_order) / 3   # neighbours in length share a batch
    for tokens, tags, lengths in bb:
        assert tokens.shape[1] == int(lengths.max())
        assert (tags[tokens == 0] == -100).all()


def test_order_changes_per_pass_and_repeats_per_seed():
    a, b = BucketBatches(_encoded(), 0, 8, seed=3), BucketBatches(_encoded(), 0, 8, seed=3)
    first = [int(t[0, 0]) for t, _, _ in a]
    assert first == [int(t[0, 0]) for t, _, _ in b]
    assert [int(t[0, 0]) for t, _, _ in a] != first or len(a) < 3
