"""Tests for the chapter 7 sentiment pieces: tokeniser, vocabulary, padding, packing, training."""
import random

import pytest
import torch

from d2lmini import set_seed
from d2lmini.metrics import classification_scores
from d2lmini.sentiment import (BiGRUClassifier, accuracy_by_length, build_review_vocab,
                               collate_reviews, encode_reviews,
                               evaluate_sentiment, predict_sentiment, review_loader,
                               tokenize_review, train_sentiment)
from d2lmini.vocab import Vocab


def test_tokenize_review_lowercases_and_splits_punctuation():
    assert tokenize_review("Great film!<br />I didn't LIKE the end...") == [
        "great", "film", "!", "i", "didn't", "like", "the", "end", ".", ".", "."]
    # every Chinese character is a token, even when glued to Latin letters
    assert tokenize_review("这部电影OK") == ["这", "部", "电", "影", "ok"]
    with pytest.raises(TypeError, match="one string"):
        tokenize_review(["a list", "of texts"])


def test_vocab_is_capped_and_has_pad_and_unk():
    tokens = [["b", "a", "a", "c", "c", "c", "d"]]
    vocab = build_review_vocab(tokens, max_size=4)
    assert len(vocab) == 4
    assert vocab.idx_to_token[:2] == ["<unk>", "<pad>"]
    assert vocab.idx_to_token[2:] == ["c", "a"]        # most frequent first
    assert vocab["d"] == vocab.unk                      # cut by the cap
    assert vocab["b"] == vocab.unk


def test_collate_pads_with_vocab_pad_not_zero_and_keeps_true_lengths():
    # A vocabulary where <pad> is NOT index 0 (index 0 is always <unk>).
    vocab = Vocab(["x", "y"], reserved_tokens=["<bos>", "<pad>"])
    assert vocab.pad == 2
    batch = [([3, 4, 3], 1), ([4], 0), ([3, 3], 1)]
    X, lengths, y = collate_reviews(batch, vocab.pad)
    assert X.shape == (3, 3)
    assert lengths.tolist() == [3, 1, 2]
    assert y.tolist() == [1, 0, 1]
    assert X[1].tolist() == [4, vocab.pad, vocab.pad]
    assert X[2].tolist() == [3, 3, vocab.pad]
    assert (X == 0).sum() == 0                          # nothing was padded with 0
    # the loader wires vocab.pad in by itself
    X2, lengths2, _ = next(iter(review_loader(batch, vocab, batch_size=3)))
    assert torch.equal(X2, X) and torch.equal(lengths2, lengths)


def test_encode_cuts_long_reviews_and_never_returns_empty():
    vocab = build_review_vocab([["a", "b"]])
    assert encode_reviews([["a", "b", "a"], []], vocab, max_len=2) == [
        [vocab["a"], vocab["b"]], [vocab.unk]]


def _batch_and_extra_padding(vocab, extra=7):
    batch = [([3, 4, 5, 6, 3], 1), ([4, 5], 0), ([6], 1), ([3, 3, 4], 0)]
    X, lengths, _ = collate_reviews(batch, vocab.pad)
    padded_more = torch.cat([X, torch.full((X.shape[0], extra), vocab.pad)], dim=1)
    return X, padded_more, lengths


@pytest.mark.parametrize("num_layers", [1, 2])
def test_packed_classifier_ignores_extra_padding_but_naive_one_does_not(num_layers):
    vocab = Vocab(["a", "b", "c", "d", "e"], reserved_tokens=["<pad>"])
    X, padded_more, lengths = _batch_and_extra_padding(vocab)
    set_seed(0)
    model = BiGRUClassifier(vocab, embed_size=8, num_hiddens=6, num_layers=num_layers).eval()
    with torch.no_grad():
        torch.testing.assert_close(model(padded_more, lengths), model(X, lengths),
                                   rtol=1e-5, atol=1e-6)
        model.naive_last_step = True                    # same weights, read out[:, -1]
        diff = (model(padded_more, lengths) - model(X, lengths)).abs().max().item()
    assert diff > 1e-3


def test_packed_features_are_the_state_at_each_true_length():
    """The forward half equals running the GRU on the unpadded review alone."""
    vocab = Vocab(["a", "b", "c", "d", "e"], reserved_tokens=["<pad>"])
    X, _, lengths = _batch_and_extra_padding(vocab)
    set_seed(1)
    model = BiGRUClassifier(vocab, embed_size=8, num_hiddens=6).eval()
    with torch.no_grad():
        feats = model.features(X, lengths)              # (B, 2H)
        for i, n in enumerate(lengths.tolist()):
            out, _ = model.gru(model.embedding(X[i:i + 1, :n]))   # (1, n, 2H), no padding
            torch.testing.assert_close(feats[i, :6], out[0, -1, :6], rtol=1e-5, atol=1e-6)
            torch.testing.assert_close(feats[i, 6:], out[0, 0, 6:], rtol=1e-5, atol=1e-6)


def test_padding_embedding_is_zero_at_vocab_pad():
    vocab = Vocab(["a"], reserved_tokens=["<bos>", "<pad>"])
    model = BiGRUClassifier(vocab, embed_size=4, num_hiddens=3)
    assert isinstance(model.gru, torch.nn.GRU) and model.gru.bidirectional   # the model it claims
    assert model.embedding.padding_idx == vocab.pad == 2
    assert model.embedding.weight[vocab.pad].abs().sum() == 0
    with pytest.raises(TypeError, match="Vocab"):
        BiGRUClassifier(len(vocab))


def _synthetic_reviews(n, rng):
    """Label 1 iff the review contains 'good' (placed anywhere among filler words); lengths 3-20."""
    fillers = [f"w{i}" for i in range(20)]
    data = []
    for _ in range(n):
        words = [rng.choice(fillers) for _ in range(rng.randint(3, 20))]
        label = rng.randint(0, 1)
        words[rng.randrange(len(words))] = "good" if label else "bad"
        data.append((" ".join(words), label))
    return data


@pytest.fixture
def one_thread():
    """Small recurrent layers train fastest on one thread; restore the setting afterwards."""
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


def test_training_learns_a_separable_synthetic_task(one_thread):
    rng = random.Random(0)
    train, valid, test = (_synthetic_reviews(n, rng) for n in (400, 100, 200))
    vocab = build_review_vocab([tokenize_review(t) for t, _ in train])
    enc = lambda data: list(zip(encode_reviews([tokenize_review(t) for t, _ in data], vocab),
                                [y for _, y in data]))
    train_iter = review_loader(enc(train), vocab, batch_size=32, shuffle=True, seed=0)
    valid_iter = review_loader(enc(valid), vocab, batch_size=100)
    test_iter = review_loader(enc(test), vocab, batch_size=100)
    set_seed(0)
    model = BiGRUClassifier(vocab, embed_size=16, num_hiddens=16)
    before = evaluate_sentiment(model, test_iter)
    history = train_sentiment(model, train_iter, valid_iter, num_epochs=3, lr=1e-2,
                              device="cpu", progress=False, plot=False)
    after = evaluate_sentiment(model, test_iter)
    assert before["accuracy"] < 0.7
    assert after["accuracy"] > 0.95 and after["macro_f1"] > 0.95
    assert len(history["seconds"]) == 3 and all(s > 0 for s in history["seconds"])
    assert len(history["valid_f1"]) == 3 and 1 <= history["best_epoch"] <= 3
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert predict_sentiment(model, vocab, "w1 w2 good w3") > 0.8
    assert predict_sentiment(model, vocab, "w1 w2 bad w3") < 0.2
    with pytest.raises(ValueError, match="no words"):
        predict_sentiment(model, vocab, "   ")


def test_classification_scores_macro_f1_by_hand():
    # class 1: precision 2/3, recall 1 -> F1 0.8; class 0: precision 1, recall 1/2 -> F1 2/3
    scores = classification_scores([1, 1, 0, 0], [1, 1, 1, 0])
    assert scores["accuracy"] == pytest.approx(0.75)
    assert scores["macro_f1"] == pytest.approx((0.8 + 2 / 3) / 2)


def test_accuracy_by_length_buckets():
    rows = accuracy_by_length([3, 5, 12, 50], [1, 0, 1, 1], [1, 1, 1, 0], edges=(10, 20))
    assert rows == [("1-10", 2, 0.5), ("11-20", 1, 1.0), (">20", 1, 0.0)]
