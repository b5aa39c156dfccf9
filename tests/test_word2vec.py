"""Tests for d2lmini.word2vec: the SGNS loss, the hand-written updates, the fast trainers and
evaluation (checked against gensim's own evaluators)."""
import math

import numpy as np
import pytest
import torch

import d2lmini
from d2lmini.errors import UserError
from d2lmini.word2vec import (NoiseTable, SGNSConfig, SkipGramNS, WordVectors, analogy,
                              evaluate_analogies, evaluate_similarity, keep_probabilities,
                              noise_alias_table, noise_cum_table, sgns_loss, sgns_sgd_step, similar_tokens,
                              train_word2vec, window_pairs)
from d2lmini.word2vec.kernel import sgns_piece
from d2lmini.word2vec.train import report_points


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


def _two_topic_sentences():
    rng = np.random.default_rng(0)
    topics = [[f"a{i}" for i in range(6)], [f"b{i}" for i in range(6)]]
    return [list(rng.choice(topics[s % 2], size=8)) for s in range(400)]


# small batches for the batched engine: with only 12 words, every word occurs dozens of times
# in a batch of pairs
@pytest.mark.parametrize("settings", [dict(engine="compiled", share_negatives="window", workers=2),
                                      dict(engine="compiled", share_negatives=1, workers=1),
                                      dict(engine="batched", batch_size=64, num_threads=1)])
def test_fast_trainers_pull_co_occurring_words_together(settings):
    sentences = _two_topic_sentences()
    result = train_word2vec(sentences, embed_size=16, window=3, negative=4, sample=0, min_count=1,
                            epochs=3, lr=0.025, progress=False, plot=False, seed=0, **settings)
    wv = result.vectors
    within = np.mean([wv.similarity(f"{t}{i}", f"{t}{j}") for t in "ab" for i in range(6)
                      for j in range(i + 1, 6)])
    across = np.mean([wv.similarity(f"a{i}", f"b{j}") for i in range(6) for j in range(6)])
    assert within > across + 0.5, (within, across)
    assert result.history["loss"][-1] < result.history["loss"][0]
    assert result.history["words"] == 3 * 400 * 8


def test_compiled_trainer_with_one_thread_is_reproducible():
    sentences = _two_topic_sentences()
    kw = dict(embed_size=8, window=2, negative=2, min_count=1, epochs=1, progress=False,
              plot=False, workers=1, piece_words=500)
    a = train_word2vec(sentences, seed=3, **kw).vectors.matrix
    b = train_word2vec(sentences, seed=3, **kw).vectors.matrix
    c = train_word2vec(sentences, seed=4, **kw).vectors.matrix
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_compiled_trainer_goes_through_fit_one_entry_per_epoch():
    from d2lmini.fit import History
    sentences = _two_topic_sentences()
    result = train_word2vec(sentences, embed_size=8, min_count=1, epochs=3, progress=False,
                            plot=False, workers=2, piece_words=200, sample=0)
    fitted = result.history["fit"]
    assert isinstance(fitted, History) and fitted.epoch == [1, 2, 3]
    assert sum(fitted.items) == result.history["words"] and fitted.items[0] == len(sentences) * 8
    assert len(fitted.step_loss) == 3 * math.ceil(len(sentences) * 8 / 200 / 16)  # chunks of 2 x 8 pieces


def test_batched_trainer_goes_through_fit_one_entry_per_epoch():
    from d2lmini.fit import History
    result = train_word2vec(_two_topic_sentences(), engine="batched", batch_size=256, embed_size=8,
                            min_count=1, epochs=2, progress=False, plot=False, num_threads=1)
    fitted = result.history["fit"]
    assert isinstance(fitted, History) and fitted.epoch == [1, 2]
    assert sum(fitted.items) == result.history["pairs"]          # items: (centre, context) pairs
    assert len(fitted.step_loss) == sum(math.ceil(n / 256) for n in fitted.items)
    assert len(result.history["loss"]) == sum(len(report_points(math.ceil(n / 256)))
                                              for n in fitted.items)   # the curve's points


def test_loss_curve_has_even_reports_and_no_duplicate_at_the_epoch_end():
    # the old curve reported again at the last batch, averaging one or two batches: a drop
    assert report_points(10) == [2, 5, 8, 10]
    assert report_points(3) == [1, 2, 3]          # fewer steps than reports: each step once
    assert report_points(400) == [100, 200, 300, 400]
    result = train_word2vec(_two_topic_sentences(), embed_size=8, min_count=1, epochs=2,
                            progress=False, plot=False, piece_words=300, workers=1)
    x = result.history["epoch"]
    assert x == sorted(set(x)) and x[-1] == 2.0 and len(x) == 8
    assert all(abs(b - a - 0.25) < 0.1 for a, b in zip(x, x[1:]))


def test_compiled_kernel_takes_gensims_sgd_steps_one_pair_at_a_time():
    # two words, window 1, one noise word that can only be word 2: the four updates by hand
    rng = np.random.default_rng(0)
    syn0 = rng.standard_normal((3, 4)).astype(np.float32)
    syn1 = rng.standard_normal((3, 4)).astype(np.float32)
    prob, alias = noise_alias_table([0, 0, 7])       # every noise draw is word 2
    v0, v1, lr = syn0.astype(np.float64), syn1.astype(np.float64), 0.1
    sig = lambda x: 1 / (1 + math.exp(-x))
    # centre 1 (position 0), context 2: input row 2 predicts output 1 (label 1) and noise 2 (label 0)
    l1, e, expected_loss = v0[2].copy(), np.zeros(4), 0.0
    for target, label in ((1, 1), (2, 0)):
        f = l1 @ v1[target]
        expected_loss += -math.log(sig(f) if label else 1 - sig(f))
        g = (label - sig(f)) * lr
        e += g * v1[target]
        v1[target] += g * l1
    v0[2] += e
    # centre 2 (position 1), context 1: input row 1 predicts output 2; the noise word 2 is the
    # output word itself, so gensim skips it
    l1 = v0[1].copy()
    f = l1 @ v1[2]
    expected_loss += -math.log(sig(f))
    g = (1 - sig(f)) * lr
    v0[1] += g * v1[2]
    v1[2] += g * l1
    loss, pairs = sgns_piece(np.array([1, 2], np.int32), np.array([0, 2]), syn0, syn1, prob, alias,
                             np.ones(3), 1, 1, lr, 0, True, np.zeros(2, np.int32))
    assert pairs == 2 and math.isclose(loss, expected_loss, rel_tol=1e-4)
    assert np.allclose(syn0, v0, atol=1e-5) and np.allclose(syn1, v1, atol=1e-5)


def test_noise_alias_table_gives_every_word_its_exact_share():
    counts = np.array([0, 1000, 100, 10, 5, 1])
    prob, alias = noise_alias_table(counts)
    n = len(counts)
    share = prob / n                                   # column k keeps k with prob[k] / n ...
    np.add.at(share, alias, (1 - prob) / n)            # ... and gives the rest to alias[k]
    expected = counts ** 0.75 / (counts ** 0.75).sum()
    assert np.allclose(share, expected, atol=1e-12) and share[0] == 0


def test_noise_cum_table_gives_every_word_its_share():
    table = noise_cum_table([0, 1000, 100, 10])
    shares = np.diff(np.concatenate([[0], table])) / table[-1]
    expected = np.array([0, 1000, 100, 10]) ** 0.75
    assert shares[0] == 0 and np.allclose(shares, expected / expected.sum(), atol=1e-9)


def test_trainer_rejects_bad_input_with_advice():
    with pytest.raises(TypeError, match="list of token lists"):
        train_word2vec(["the cat sat", "on the mat"], min_count=1, progress=False, plot=False)
    with pytest.raises(UserError, match="lower min_count"):
        train_word2vec([["rare", "words"]], min_count=5, progress=False, plot=False)
    with pytest.raises(UserError, match="window must be an integer >= 1"):
        SGNSConfig(window=0)
    with pytest.raises(UserError, match="'window' or 1"):
        SGNSConfig(share_negatives=64)
    with pytest.raises(UserError, match="GPU"):
        train_word2vec(_two_topic_sentences(), min_count=1, device="cuda", progress=False, plot=False)
    # switching engine picks that engine's own default for share_negatives
    assert SGNSConfig(engine="batched").share_negatives == 64


def test_public_names_still_import_from_the_package_top():
    for name in ("SGNSConfig", "SkipGramNS", "WordVectors", "analogy", "evaluate_analogies",
                 "evaluate_similarity", "sgns_loss", "sgns_sgd_step", "similar_tokens",
                 "train_gensim", "train_word2vec"):
        assert getattr(d2lmini, name) is getattr(d2lmini.word2vec, name)


# --- evaluation against gensim's own evaluators, on a vocabulary with capitalised words ---

def _cased_vectors():
    """Countries and capitals in two casings (the capitalised form the more frequent for some),
    built so that capital = country + offset + noise: analogies are partly right."""
    rng = np.random.default_rng(5)
    pairs = [("France", "Paris"), ("Germany", "Berlin"), ("Italy", "Rome"), ("Spain", "Madrid"),
             ("Japan", "Tokyo"), ("Egypt", "Cairo"), ("Greece", "Athens"), ("Russia", "Moscow")]
    offset, words, rows = rng.standard_normal(16), [], []
    for country, capital in pairs:
        base = rng.standard_normal(16)
        for word, vec in ((country, base), (capital, base + offset + 1.2 * rng.standard_normal(16))):
            words.append(word)
            rows.append(vec)
    # lower-case twins: some exist, near or far from the capitalised form; appended after, so
    # less frequent (gensim lets the most frequent casing stand for all)
    for word, row in list(zip(words, rows))[::3]:
        words.append(word.lower())
        rows.append(row + 2.0 * rng.standard_normal(16))
    words += ["the", "of", "and"]
    rows += list(rng.standard_normal((3, 16)))
    return WordVectors(words, np.array(rows, dtype=np.float32)), pairs


def _write_gensim_files(tmp_path, pairs):
    sim = [("france", "Paris", 8.0), ("PARIS", "berlin", 6.5), ("Paris", "Rome", 7.0),
           ("germany", "Italy", 5.0), ("Tokyo", "egypt", 2.0), ("athens", "Greece", 8.5),
           ("Moscow", "madrid", 6.0), ("the", "of", 1.0), ("spain", "MADRID", 9.0),
           ("cairo", "Rome", 4.0), ("Atlantis", "France", 3.0), ("japan", "tokyo", 8.8)]
    (tmp_path / "sim.tsv").write_text("# word1\tword2\tscore\n"
                                      + "".join(f"{a}\t{b}\t{s}\n" for a, b, s in sim))
    questions = [(c1, k1, c2, k2) for c1, k1 in pairs for c2, k2 in pairs if c1 != c2]
    questions = [q if i % 4 else tuple(w.lower() for w in q) for i, q in enumerate(questions)]
    mixed = [("paris", "France", "berlin", "Germany"), ("Atlantis", "Nowhere", "Paris", "France")]
    (tmp_path / "questions.txt").write_text(": capitals\n" + "".join(" ".join(q) + "\n" for q in questions)
                                            + ": mixed\n" + "".join(" ".join(q) + "\n" for q in mixed))
    return sim, {"capitals": questions, "mixed": mixed}


@pytest.mark.parametrize("lower", [True, False])
def test_evaluation_matches_gensim_case_insensitive_and_sensitive(tmp_path, lower):
    wv, country_pairs = _cased_vectors()
    sim, sections = _write_gensim_files(tmp_path, country_pairs)
    kv = wv.to_gensim()
    _, spearman, oov_pct = kv.evaluate_word_pairs(str(tmp_path / "sim.tsv"), case_insensitive=lower)
    ours = evaluate_similarity(wv, sim, lower=lower)
    assert math.isclose(ours["spearman"], spearman[0], abs_tol=1e-6)
    assert math.isclose(ours["oov_rate"], oov_pct / 100, abs_tol=1e-9)
    acc, g_sections = kv.evaluate_word_analogies(str(tmp_path / "questions.txt"), case_insensitive=lower)
    g_total = g_sections[-1]
    an = evaluate_analogies(wv, sections, lower=lower)
    assert an["n_covered"] == len(g_total["correct"]) + len(g_total["incorrect"])
    assert an["n_correct"] == len(g_total["correct"]) and math.isclose(an["accuracy"], acc)
    assert 0 < an["accuracy"] < 1                 # a test that could fail either way


def test_lower_folds_the_vocabulary_too():
    wv, _ = _cased_vectors()
    sections = {"s": [("france", "paris", "germany", "berlin")]}
    # "germany"/"berlin" exist only capitalised: folding the test words alone would miss them
    assert evaluate_analogies(wv, sections, lower=True)["n_covered"] == 1
    assert evaluate_analogies(wv, sections, lower=False)["n_covered"] == 0
    res = evaluate_similarity(wv, [("Paris", "Germany", 1.0), ("paris", "GERMANY", 2.0)], lower=False)
    assert res["n_covered"] == 1
