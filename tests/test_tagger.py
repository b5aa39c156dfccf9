"""Tests for the NER tagger and its spans, metrics and training loop (d2lmini.tagging)."""
import pytest
import torch
from torch import nn

from d2lmini.data import pad_tagging_batch
from d2lmini.metrics import entity_report, tagging_scores
from d2lmini.tagging import (IGNORE_INDEX, RNNTagger, TaggerConfig, bio_to_spans,
                             build_tagging_vocab, count_parameters, encode_tagged, entity_prf,
                             show_entities, tag_index, tagging_loader, train_tagger)
from d2lmini.vocab import Vocab

LABELS = ["O", "B-LOC", "I-LOC", "B-PER", "I-PER"]


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny recurrent layers run fastest on one thread (and do not stall on a busy machine)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def small_vocab():
    words = "the cat sat on a mat in paris with anna and bob".split()
    return Vocab(words, reserved_tokens=["<pad>"])


def random_batch(vocab, lengths, seed=0):
    """Padded batch of random sentences with the given lengths (pads use vocab.pad)."""
    g = torch.Generator().manual_seed(seed)
    batch = []
    for n in lengths:
        toks = torch.randint(2, len(vocab), (n,), generator=g).tolist()   # real words only
        tags = torch.randint(0, len(LABELS), (n,), generator=g).tolist()
        batch.append((toks, tags))
    return batch, pad_tagging_batch(batch, vocab.pad, IGNORE_INDEX)


# --------------------------------------------------------------------------- model
@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_packed_batch_equals_each_sentence_alone(cell):
    torch.manual_seed(0)
    vocab = small_vocab()
    model = RNNTagger(vocab, len(LABELS), TaggerConfig(cell, bidirectional=True, num_layers=2,
                                                       num_hiddens=8, embed_size=6)).eval()
    batch, (tokens, _, lengths) = random_batch(vocab, [5, 2, 7])
    with torch.no_grad():
        out = model(tokens, lengths)                                   # (3, 7, num_tags)
        for i, (toks, _) in enumerate(batch):
            alone = model(torch.tensor([toks]), torch.tensor([len(toks)]))[0]  # no padding at all
            assert torch.allclose(out[i, :len(toks)], alone, atol=1e-6)


def test_unpacked_padding_would_change_the_backward_direction():
    # The property above is not automatic: feeding pads through a bidirectional RNN
    # without packing changes the outputs of the real positions.
    torch.manual_seed(0)
    vocab = small_vocab()
    model = RNNTagger(vocab, len(LABELS), TaggerConfig("gru", True, num_hiddens=8, embed_size=6)).eval()
    batch, (tokens, _, lengths) = random_batch(vocab, [5, 2])
    with torch.no_grad():
        naive, _ = model.rnn(model.embed(tokens))                      # pads go into the state
        naive = model.output(naive)
        packed = model(tokens, lengths)
    n = len(batch[1][0])
    assert not torch.allclose(naive[1, :n], packed[1, :n], atol=1e-4)


def test_padding_never_changes_the_loss_or_gradients():
    torch.manual_seed(0)
    vocab = small_vocab()
    model = RNNTagger(vocab, len(LABELS), TaggerConfig("lstm", True, num_hiddens=8, embed_size=6))
    loss_fn = nn.CrossEntropyLoss(ignore_index=IGNORE_INDEX)
    batch, (tokens, tags, lengths) = random_batch(vocab, [4, 1, 6])

    def loss_and_grad(tok, tg):
        model.zero_grad()
        logits = model(tok, lengths)
        loss = loss_fn(logits.reshape(-1, logits.shape[-1]), tg.reshape(-1))
        loss.backward()
        return loss.item(), model.rnn.weight_ih_l0.grad.clone()

    ref_loss, ref_grad = loss_and_grad(tokens, tags)
    # 1. more padding columns
    wide_tok = torch.cat([tokens, torch.full((3, 4), vocab.pad)], dim=1)
    wide_tag = torch.cat([tags, torch.full((3, 4), IGNORE_INDEX)], dim=1)
    # 2. garbage words in the padded positions
    pad_mask = tags == IGNORE_INDEX
    junk_tok = tokens.masked_fill(pad_mask, vocab["cat"])
    for tok, tg in [(wide_tok, wide_tag), (junk_tok, tags)]:
        loss, grad = loss_and_grad(tok, tg)
        assert loss == pytest.approx(ref_loss, abs=1e-6)
        assert torch.allclose(grad, ref_grad, atol=1e-6)
    # and the loss does depend on the real tags (the check above is not vacuous)
    changed = tags.clone()
    changed[0, 0] = (changed[0, 0] + 1) % len(LABELS)
    assert loss_and_grad(tokens, changed)[0] != pytest.approx(ref_loss, abs=1e-6)


def test_onehot_equals_embedding_with_identity_weight():
    torch.manual_seed(0)
    vocab = small_vocab()
    V = len(vocab)
    onehot = RNNTagger(vocab, len(LABELS), TaggerConfig("lstm", True, num_hiddens=8, input="onehot"))
    embed = RNNTagger(vocab, len(LABELS), TaggerConfig("lstm", True, num_hiddens=8,
                                                       input="embedding", embed_size=V))
    assert onehot.rnn.input_size == V and onehot.embedding is None
    with torch.no_grad():
        embed.embedding.weight.copy_(torch.eye(V))
    embed.rnn.load_state_dict(onehot.rnn.state_dict())
    embed.output.load_state_dict(onehot.output.state_dict())
    _, (tokens, _, lengths) = random_batch(vocab, [6, 3, 1])
    with torch.no_grad():
        a, b = onehot(tokens, lengths), embed(tokens, lengths)
    assert torch.allclose(a, b, atol=1e-6)
    # a different embedding weight gives a different output
    with torch.no_grad():
        embed.embedding.weight.mul_(2.0)
        assert not torch.allclose(a, embed(tokens, lengths), atol=1e-3)


def test_embedding_padding_idx_comes_from_the_vocab_by_name():
    vocab = small_vocab()
    model = RNNTagger(vocab, len(LABELS), TaggerConfig(input="embedding", embed_size=4))
    assert model.embedding.padding_idx == vocab.pad == vocab.token_to_idx["<pad>"]
    assert torch.count_nonzero(model.embedding.weight[vocab.pad]) == 0
    with pytest.raises(KeyError, match="pad"):
        RNNTagger(Vocab(["a", "b"]), len(LABELS))


def test_config_errors_and_parameter_counts():
    with pytest.raises(ValueError, match="cell"):
        TaggerConfig(cell="transformer")
    with pytest.raises(ValueError, match="input"):
        TaggerConfig(input="bag")
    vocab = small_vocab()
    V, H, E, K = len(vocab), 5, 3, len(LABELS)
    uni = RNNTagger(vocab, K, TaggerConfig("rnn", False, num_hiddens=H, embed_size=E))
    # embedding + W_ih + W_hh + two biases + output layer
    assert count_parameters(uni) == V * E + (E * H + H * H + 2 * H) + (H * K + K)
    bi = RNNTagger(vocab, K, TaggerConfig("gru", True, num_hiddens=H, input="onehot"))
    assert count_parameters(bi) == 2 * 3 * (V * H + H * H + 2 * H) + (2 * H * K + K)
    assert TaggerConfig("lstm", True, 3).name == "BiLSTM x3"


# --------------------------------------------------------------------------- metrics
GOLD = [["B-PER", "I-PER", "O", "B-LOC"],
        ["B-ORG", "I-ORG", "I-ORG", "O"],
        ["O", "B-MISC", "I-MISC"]]
PRED = [["B-PER", "I-PER", "O", "B-LOC"],       # both right
        ["B-ORG", "I-ORG", "O", "O"],           # boundary error: ends one token early
        ["O", "I-MISC", "I-MISC"]]              # starts with I-: invalid in strict IOB2


def test_bio_to_spans_strict_and_lenient():
    assert bio_to_spans(GOLD[1]) == [("ORG", 0, 3)]
    assert bio_to_spans(PRED[1]) == [("ORG", 0, 2)]
    assert bio_to_spans(PRED[2], strict=True) == []
    assert bio_to_spans(PRED[2], strict=False) == [("MISC", 1, 3)]
    assert bio_to_spans(["B-PER", "B-PER", "I-LOC"], strict=False) == [
        ("PER", 0, 1), ("PER", 1, 2), ("LOC", 2, 3)]
    with pytest.raises(ValueError, match="BIO"):
        bio_to_spans(["PER"])


def test_entity_f1_matches_hand_computation():
    # gold: PER, LOC, ORG(0-3), MISC(1-3) = 4 entities.
    # strict: predicted PER, LOC, ORG(0-2) = 3, of which 2 correct -> P 2/3, R 2/4, F1 4/7
    # lenient: also MISC(1-3), correct -> P 3/4, R 3/4, F1 3/4
    labels = ["O"] + [f"{p}-{t}" for t in ("LOC", "MISC", "ORG", "PER") for p in "BI"]
    scores = tagging_scores(GOLD, PRED, labels)
    assert scores["entity_precision"] == pytest.approx(2 / 3)
    assert scores["entity_recall"] == pytest.approx(2 / 4)
    assert scores["entity_f1"] == pytest.approx(4 / 7)
    assert scores["entity_f1_lenient"] == pytest.approx(3 / 4)
    assert entity_prf(GOLD, PRED, strict=True) == pytest.approx((2 / 3, 2 / 4, 4 / 7))
    assert entity_prf(GOLD, PRED, strict=False) == pytest.approx((3 / 4, 3 / 4, 3 / 4))
    # the same mistakes cost little at the token level: 9 of 11 tags right
    assert scores["accuracy"] == pytest.approx(9 / 11)
    report = entity_report(GOLD, PRED)
    assert report.loc["ORG", "recall"] == 0 and report.loc["PER", "f1-score"] == 1
    assert report.loc["MISC", "support"] == 1


def test_span_helper_agrees_with_seqeval_on_random_tag_sequences():
    import random

    from seqeval.metrics import f1_score
    from seqeval.scheme import IOB2
    rng = random.Random(0)
    tags = ["O", "O", "O", "B-A", "I-A", "B-B", "I-B"]
    gold = [[rng.choice(tags) for _ in range(rng.randint(1, 9))] for _ in range(200)]
    pred = [[t if rng.random() < 0.7 else rng.choice(tags) for t in g] for g in gold]
    assert entity_prf(gold, pred, strict=False)[2] == pytest.approx(f1_score(gold, pred))
    # strict IOB2 in seqeval needs valid gold sequences: repair gold, keep predictions as they are
    valid = [[("B" + t[1:]) if t.startswith("I") and (i == 0 or g[i - 1][2:] != t[2:]) else t
              for i, t in enumerate(g)] for g in gold]
    assert entity_prf(valid, pred, strict=True)[2] == pytest.approx(
        f1_score(valid, pred, mode="strict", scheme=IOB2))


def test_all_o_predictor_has_high_accuracy_but_zero_entity_f1():
    all_o = [["O"] * len(s) for s in GOLD]
    labels = ["O"] + [f"{p}-{t}" for t in ("LOC", "MISC", "ORG", "PER") for p in "BI"]
    scores = tagging_scores(GOLD, all_o, labels)
    assert scores["accuracy"] == pytest.approx(3 / 11)
    assert scores["entity_f1"] == 0.0


def test_show_entities():
    text = show_entities(["Anna", "lives", "in", "New", "York"], ["B-PER", "O", "O", "B-LOC", "I-LOC"])
    assert text == "[Anna|PER] lives in [New York|LOC]"


# --------------------------------------------------------------------------- data + training
def test_encode_uses_label_names_order_and_unk():
    train = [(["Anna", "in", "Paris"], ["B-PER", "O", "B-LOC"])]
    vocab = build_tagging_vocab(train)
    enc = encode_tagged([(["Bob", "in", "Paris"], ["B-PER", "O", "B-LOC"])], vocab, LABELS)
    assert enc[0][0] == [vocab.unk, vocab["in"], vocab["Paris"]]
    assert enc[0][1] == [LABELS.index("B-PER"), 0, LABELS.index("B-LOC")]
    assert tag_index(LABELS)["I-PER"] == 4
    with pytest.raises(KeyError, match="label_names"):
        encode_tagged([(["x"], ["B-ORG"])], vocab, LABELS)
    lower = build_tagging_vocab(train, lower=True)
    assert "paris" in lower and "Paris" not in lower


def test_train_tagger_learns_a_trivial_tagging_task():
    # "anna"/"bob" are persons, "paris" a location after "in"; everything else O.
    torch.manual_seed(0)
    words = "the cat sat on a mat with and".split()
    g = torch.Generator().manual_seed(1)
    sents = []
    for _ in range(60):
        toks = [words[i] for i in torch.randint(0, len(words), (4,), generator=g).tolist()]
        toks += ["anna", "in", "paris"] if len(sents) % 2 else ["bob", "and", "anna"]
        tags = ["O"] * 4 + (["B-PER", "O", "B-LOC"] if len(sents) % 2 else ["B-PER", "O", "B-PER"])
        sents.append((toks, tags))
    vocab = build_tagging_vocab(sents)
    enc = encode_tagged(sents, vocab, LABELS)
    train = tagging_loader(enc, vocab, batch_size=16, shuffle=True)
    model = RNNTagger(vocab, len(LABELS), TaggerConfig("gru", True, num_hiddens=16, embed_size=8))
    hist = train_tagger(model, train, tagging_loader(enc, vocab, 32), LABELS, num_epochs=12,
                        lr=0.02, device="cpu", progress=False, plot=False)
    assert hist["entity_f1"][-1] > 0.95
    assert hist["train_loss"][-1] < hist["train_loss"][0]
    assert hist["memory_bytes"] > hist["activation_bytes"] > 0
    assert len(hist["seconds"]) == 12 and min(hist["tokens_per_s"]) > 0
    with pytest.raises(ValueError, match="label names"):
        train_tagger(model, train, train, LABELS[:3], num_epochs=1, device="cpu", progress=False,
                     plot=False)
    quiet = train_tagger(model, train, train, LABELS, num_epochs=1, device="cpu", progress=False,
                         plot=False, measure_memory=False, decode="bio")
    assert quiet["memory_bytes"] is None and quiet["activation_bytes"] is None
    assert quiet["entity_f1"][0] > 0.9   # validation scored through the BIO decoder


def _tiny_tagging_setup():
    sents = [(["anna", "in", "paris"], ["B-PER", "O", "B-LOC"]), (["bob", "sat"], ["B-PER", "O"])]
    vocab = build_tagging_vocab(sents)
    loader = tagging_loader(encode_tagged(sents, vocab, LABELS), vocab, batch_size=2)
    return vocab, loader


@pytest.mark.parametrize("kw, match", [({"theta": 0}, "theta must be a number > 0"),
                                       ({"theta": -1.0}, "theta must be a number > 0"),
                                       ({"lr": 0.0}, "lr must be a finite number > 0"),
                                       ({"num_epochs": 0}, "max_epochs must be an integer >= 1"),
                                       ({"patience": 0}, "patience must be an integer >= 1"),
                                       ({"monitor": "f1"}, "'f1' is not among the metrics")])
def test_train_tagger_rejects_bad_settings(kw, match):
    vocab, loader = _tiny_tagging_setup()
    model = RNNTagger(vocab, len(LABELS), TaggerConfig("rnn", False, num_hiddens=4, embed_size=4))
    with pytest.raises(ValueError, match=match):
        train_tagger(model, loader, loader, LABELS, **{"num_epochs": 1, **kw}, device="cpu",
                     progress=False, plot=False)


def test_train_tagger_theta_none_turns_clipping_off_and_reports_epochs():
    vocab, loader = _tiny_tagging_setup()
    torch.manual_seed(0)
    model = RNNTagger(vocab, len(LABELS), TaggerConfig("rnn", False, num_hiddens=4, embed_size=4))
    hist = train_tagger(model, loader, loader, LABELS, num_epochs=3, theta=None, patience=1,
                        device="cpu", progress=False, plot=False)
    assert 1 <= hist.epochs_run <= 3 and hist.monitor == "entity_f1"
    assert hist["entity_f1"][hist.best_epoch - 1] == max(hist["entity_f1"])


@pytest.mark.parametrize("bad", [-1, 99])
def test_tagger_rejects_token_ids_outside_the_vocabulary(bad):
    vocab, _ = _tiny_tagging_setup()
    for inp in ("embedding", "onehot"):
        model = RNNTagger(vocab, len(LABELS), TaggerConfig("gru", True, num_hiddens=4,
                                                            embed_size=4, input=inp))
        with pytest.raises(IndexError, match="RNNTagger: token ids must lie in"):
            model(torch.tensor([[1, bad]]), torch.tensor([2]))
