import random

import pytest
import torch

from d2lmini import Vocab, one_hot, tokenize


def test_tokenize_words_chars_and_chinese():
    assert tokenize(["the time machine", "by h g wells"]) == [
        ["the", "time", "machine"], ["by", "h", "g", "wells"]]
    assert tokenize(["abc"], token="char") == [["a", "b", "c"]]
    assert tokenize(["床前明月光"], token="char") == [["床", "前", "明", "月", "光"]]
    with pytest.raises(ValueError, match="word.*char"):
        tokenize(["x"], token="bpe")
    with pytest.raises(TypeError, match="list of lines"):
        tokenize("a single string")


def test_round_trip_and_unknown_tokens():
    tokens = tokenize(["a b b c c c", "d"])
    vocab = Vocab(tokens, reserved_tokens=["<pad>", "<bos>"])
    sentence = ["c", "b", "a", "d"]
    assert vocab.to_tokens(vocab[sentence]) == sentence
    assert vocab["never-seen"] == vocab.unk
    assert vocab[["c", "zzz"]] == [vocab["c"], vocab.unk]
    assert "zzz" not in vocab and "c" in vocab


def test_reserved_tokens_first_and_by_name():
    vocab = Vocab(["x", "y", "x"], reserved_tokens=["<bos>", "<pad>"])
    assert vocab.idx_to_token[:3] == ["<unk>", "<bos>", "<pad>"]
    assert vocab.unk == 0
    assert vocab.pad == 2        # not 0: padding must be looked up by name
    assert vocab.to_tokens(vocab.pad) == "<pad>"


def test_frequency_order_min_freq_and_token_freqs():
    vocab = Vocab(list("aaabbc"), min_freq=2)
    assert vocab.idx_to_token == ["<unk>", "a", "b"]
    assert vocab["c"] == vocab.unk
    assert vocab.token_freqs == [("a", 3), ("b", 2), ("c", 1)]
    assert len(Vocab(list("aaabbc"))) == 4


def test_indices_identical_for_shuffled_input():
    words = "the cat sat on the mat and the dog sat on the log".split()
    reference = Vocab(words, reserved_tokens=["<pad>"]).token_to_idx
    rng = random.Random(0)
    for _ in range(5):
        shuffled = words[:]
        rng.shuffle(shuffled)
        assert Vocab(shuffled, reserved_tokens=["<pad>"]).token_to_idx == reference
    # ties (cat/dog/mat/log/and all once) are broken alphabetically
    vocab = Vocab(words)
    assert vocab.to_tokens([1, 2, 3, 4, 5, 6]) == ["the", "on", "sat", "and", "cat", "dog"]


def test_vocab_without_pad_raises_helpful_error():
    vocab = Vocab(["a", "b"])
    with pytest.raises(KeyError, match="reserved_tokens=\\['<pad>'\\]"):
        vocab.pad


def test_to_tokens_out_of_range():
    with pytest.raises(IndexError, match="outside this vocabulary"):
        Vocab(["a"]).to_tokens(5)


def test_one_hot_shape_dtype_and_values():
    X = torch.tensor([[0, 2, 1], [3, 3, 0]])
    Y = one_hot(X, 5)
    assert Y.shape == (2, 3, 5)
    assert Y.dtype == torch.float32
    assert torch.equal(Y.sum(-1), torch.ones(2, 3))
    assert torch.equal(Y.argmax(-1), X)
    assert one_hot(torch.tensor(4), 5).shape == (5,)


def test_one_hot_rejects_out_of_range_and_float():
    with pytest.raises(IndexError, match=r"\[0, 4\]"):
        one_hot(torch.tensor([1, 5]), 5)
    with pytest.raises(IndexError):
        one_hot(torch.tensor([-1]), 5)
    with pytest.raises(TypeError, match="integer"):
        one_hot(torch.tensor([1.0]), 5)
