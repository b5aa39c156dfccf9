"""The BIO decoder: it never outputs an I-X that continues nothing, and it finds the
best valid sequence (checked against trying every sequence)."""
import itertools

import pytest
import torch

from d2lmini.errors import UserError
from d2lmini.tagging import bio_to_spans, bio_transitions, bio_viterbi, decode_tags

LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]





def brute_force(logp, n):
    allowed, start = bio_transitions(LABELS)
    best, best_seq = float("-inf"), None
    for seq in itertools.product(range(len(LABELS)), repeat=n):
        if not start[seq[0]] or any(not allowed[a, b] for a, b in zip(seq, seq[1:])):
            continue
        total = sum(float(logp[t, k]) for t, k in enumerate(seq))
        if total > best:
            best, best_seq = total, list(seq)
    return best_seq


def test_transition_table():
    allowed, start = bio_transitions(LABELS)
    assert start.tolist() == [True, True, False, True, False]
    assert allowed[1, 2] and allowed[2, 2]          # B-PER -> I-PER, I-PER -> I-PER
    assert not allowed[0, 2] and not allowed[3, 2]  # O -> I-PER, B-LOC -> I-PER
    assert allowed[:, 0].all() and allowed[:, 1].all()  # O and B-X may follow anything


def test_argmax_breaks_bio_and_viterbi_repairs_it():
    # position-wise argmax gives O I-PER I-PER: strict scoring would find no entity
    scores = torch.tensor([[[2.0, 0.0, 0.0, 0, 0], [0.0, 1.5, 1.6, 0, 0], [0.0, 0.0, 3.0, 0, 0]]])
    names = lambda ids: [LABELS[i] for i in ids]
    argmax = names(decode_tags(scores, [3], LABELS, "argmax")[0].tolist())
    assert argmax == ["O", "I-PER", "I-PER"] and bio_to_spans(argmax) == []
    fixed = names(decode_tags(scores, [3], LABELS, "bio")[0].tolist())
    assert fixed == ["O", "B-PER", "I-PER"] and bio_to_spans(fixed) == [("PER", 1, 3)]


@pytest.mark.parametrize("seed", range(20))
def test_viterbi_is_the_best_valid_sequence(seed):
    g = torch.Generator().manual_seed(seed)
    scores = torch.randn(3, 5, len(LABELS), generator=g) * 3
    lengths = torch.tensor([5, 3, 1])
    out = bio_viterbi(scores, lengths, LABELS)
    logp = scores.log_softmax(-1)
    for b, n in enumerate(lengths.tolist()):
        assert out[b, :n].tolist() == brute_force(logp[b], n)
        assert out[b, n:].eq(out[b, n - 1]).all()    # padding repeats the last tag


def test_bad_decode_and_mismatched_labels_are_user_errors():
    scores = torch.zeros(1, 2, len(LABELS))
    with pytest.raises(UserError, match="decode must be one of"):
        decode_tags(scores, [2], LABELS, "beam")
    with pytest.raises(UserError, match="5 tags but there are 3"):
        bio_viterbi(scores, [2], LABELS[:3])
