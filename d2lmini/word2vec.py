"""word2vec: skip-gram with negative sampling (SGNS), a fast trainer, and word-vector evaluation (chapter 6).

Two ways to train live here:

* the teaching path: `SkipGramNS` + `sgns_loss` on padded batches with masks (the d2l recipe,
  autograd and any optimiser), fed by the readable helpers in `d2lmini.data`;
* the fast path: `train_word2vec`, which builds (centre, context) pairs with NumPy in one go
  per epoch, draws K noise words per pair (by default shared by runs of consecutive pairs, as
  in pWord2Vec), and updates the two embedding tables by hand with plain SGD (the gradient of
  log sigma(u.v) is short enough to write out), like the original C tool and gensim.
"""
import dataclasses
import math
import time

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F
from tqdm.auto import tqdm

from .plotting import Animator
from .vocab import Vocab


# ----------------------------------------------------------------------------------------------
# The model and its loss (teaching path)
# ----------------------------------------------------------------------------------------------

class SkipGramNS(nn.Module):
    """Skip-gram with negative sampling: one embedding table for centre words, one for contexts.

    `forward(centers, contexts_negatives)` returns the dot products u_o . v_c, shape (B, L).
    The centre table is the word vectors you keep after training.
    """

    def __init__(self, vocab_size, embed_size=100):
        super().__init__()
        self.center = nn.Embedding(vocab_size, embed_size)
        self.context = nn.Embedding(vocab_size, embed_size)
        self.reset_parameters()

    def reset_parameters(self):
        """word2vec's initialisation: small uniform centre vectors, zero context vectors."""
        d = self.center.embedding_dim
        with torch.no_grad():
            self.center.weight.uniform_(-0.5 / d, 0.5 / d)
            self.context.weight.zero_()

    def forward(self, centers, contexts_negatives):
        """centers (B,) or (B, 1) indices; contexts_negatives (B, L) indices -> scores (B, L)."""
        if centers.dim() == 2:
            centers = centers.squeeze(1)                      # (B, 1) -> (B,)
        if centers.shape[0] != contexts_negatives.shape[0]:
            raise ValueError(f"centers has {centers.shape[0]} rows but contexts_negatives has "
                             f"{contexts_negatives.shape[0]}: they must be the same batch")
        v = self.center(centers)                              # (B, d)
        u = self.context(contexts_negatives)                  # (B, L, d)
        return torch.bmm(u, v.unsqueeze(2)).squeeze(2)        # (B, L)


def sgns_loss(pred, labels, mask, reduction="mean"):
    """Masked binary cross-entropy of SGNS scores.

    pred, labels, mask: (B, L); label 1 for a real context word, 0 for a noise word; mask 0 for
    padding. Each example's loss is averaged over its unmasked positions; `reduction="mean"`
    then averages over the batch, `"sum"` adds, `"none"` returns the (B,) per-example losses.
    """
    if not (pred.shape == labels.shape == mask.shape):
        raise ValueError(f"pred {tuple(pred.shape)}, labels {tuple(labels.shape)} and mask "
                         f"{tuple(mask.shape)} must have the same shape (B, L)")
    mask = mask.to(pred.dtype)
    per_pos = F.binary_cross_entropy_with_logits(pred, labels.to(pred.dtype), reduction="none")
    n_valid = mask.sum(dim=1)
    if bool((n_valid == 0).any()):
        raise ValueError("an example has no unmasked position: drop it from the batch")
    per_example = (per_pos * mask).sum(dim=1) / n_valid      # (B,)
    if reduction == "none":
        return per_example
    if reduction == "sum":
        return per_example.sum()
    if reduction == "mean":
        return per_example.mean()
    raise ValueError(f"unknown reduction {reduction!r}: use 'mean', 'sum' or 'none'")


@torch.no_grad()
def sgns_sgd_step(center_weight, context_weight, centers, contexts, negatives, lr):
    """One hand-written SGD step on a batch of (centre, context) pairs and their noise words.

    centers, contexts: (B,) indices. negatives: (B, K) gives every pair its own K noise words
    (as gensim does); (B // G, K) lets each run of G consecutive pairs share K noise words
    (pWord2Vec's trick: the scores become small matrix products). The loss of one pair is
    -log sigma(u_o . v_c) - sum_k log sigma(-u_k . v_c); d loss / d score = sigma(s) - label,
    so each vector moves by lr * (label - sigma(s)) times the other one.
    Updates both weight matrices in place and returns the summed loss of the batch.
    """
    n_pairs, d = len(centers), center_weight.shape[1]
    n_groups, k = negatives.shape
    if n_pairs % n_groups != 0:
        raise ValueError(f"{n_pairs} pairs cannot be split into {n_groups} equal groups: "
                         "give negatives of shape (B, K) or (B // G, K)")
    g = n_pairs // n_groups                                      # pairs sharing one set of noise words
    v = center_weight.index_select(0, centers)                   # (B, d)
    u_pos = context_weight.index_select(0, contexts)             # (B, d)
    u_neg = context_weight.index_select(0, negatives.reshape(-1)).view(n_groups, k, d)
    v_grouped = v.view(n_groups, g, d)                           # (B/G, G, d)
    s_pos = (v * u_pos).sum(dim=1)                               # (B,)
    if g == 1:   # own noise words: elementwise products beat B tiny matrix products
        s_neg = (u_neg * v.unsqueeze(1)).sum(dim=2).unsqueeze(1)  # (B, 1, K)
    else:
        s_neg = torch.bmm(v_grouped, u_neg.transpose(1, 2))      # (B/G, G, K)
    step_pos = (1 - torch.sigmoid(s_pos)) * lr                   # label 1
    step_neg = -torch.sigmoid(s_neg) * lr                        # label 0
    # gradient steps for the centre vectors: from the context word and from the noise words
    grad_v = torch.baddbmm((step_pos.unsqueeze(1) * u_pos).view(n_groups, g, d),
                           step_neg, u_neg)                      # (B/G, G, d)
    if g == 1:
        grad_u_neg = step_neg.transpose(1, 2) * v_grouped        # (B, K, 1) * (B, 1, d) -> (B, K, d)
    else:
        grad_u_neg = torch.bmm(step_neg.transpose(1, 2), v_grouped)  # (B/G, K, d)
    context_weight.index_add_(0, contexts, step_pos.unsqueeze(1) * v)
    context_weight.index_add_(0, negatives.reshape(-1), grad_u_neg.reshape(-1, d))
    center_weight.index_add_(0, centers, grad_v.view(n_pairs, d))
    loss = -F.logsigmoid(s_pos).sum() - F.logsigmoid(-s_neg).sum()
    return float(loss)


# ----------------------------------------------------------------------------------------------
# Vectorised data pipeline for the fast trainer
# ----------------------------------------------------------------------------------------------

@dataclasses.dataclass
class SGNSConfig:
    """Hyper-parameters of the fast trainer; the model's defaults are gensim's for sg=1.

    share_negatives trades quality for speed: 1 gives every pair its own noise words as gensim
    does. On the BBC corpus (5 epochs) sharing among 64 pairs was ~2.5x faster than 1 and kept
    WordSim353 rho, but halved Google-analogy accuracy (0.012-0.015 vs 0.028); use
    share_negatives=1 with batch_size=1024 to match gensim's vectors.
    """
    embed_size: int = 100
    window: int = 5             # maximum window; each centre draws its own size in 1..window
    negative: int = 5           # noise words per (centre, context) pair
    sample: float = 1e-3        # subsampling threshold t (gensim's `sample`)
    min_count: int = 5          # words rarer than this are dropped, as in gensim
    epochs: int = 5
    lr: float = 0.025           # decays linearly to min_lr over the whole run
    min_lr: float = 1e-4
    batch_size: int = 4096      # (centre, context) pairs per SGD step
    share_negatives: int = 64   # G consecutive pairs share their K noise words (1: each pair its own)
    ns_exponent: float = 0.75   # noise distribution: unigram ** 0.75
    num_threads: int = 1        # torch threads while training (None: leave as is); one is fastest:
                                # the updates are memory-bound and extra threads wait on each other
    seed: int = 0


def corpus_to_ids(sentences, vocab):
    """Flatten tokenised sentences to (ids, sentence_ids) arrays, dropping out-of-vocabulary words."""
    if isinstance(sentences, str) or (sentences and isinstance(sentences[0], str)):
        raise TypeError("sentences must be a list of token lists, e.g. [['the', 'cat'], ...]")
    lookup = vocab.token_to_idx
    ids = np.fromiter((lookup.get(t, 0) for s in sentences for t in s), dtype=np.int64)
    lengths = np.fromiter((len(s) for s in sentences), dtype=np.int64, count=len(sentences))
    sent_ids = np.repeat(np.arange(len(sentences)), lengths)
    keep = ids != 0                                        # 0 is <unk>: rare words are dropped
    return ids[keep], sent_ids[keep]


def keep_probabilities(counts, sample):
    """Probability of keeping each word under gensim's subsampling rule (1 for rare words).

    With f the word's share of the corpus: p = (sqrt(f / sample) + 1) * sample / f, capped at 1.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if sample <= 0:
        return np.ones_like(counts)
    f = counts / counts.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        p = (np.sqrt(f / sample) + 1) * sample / f
    return np.where(counts > 0, np.minimum(p, 1.0), 0.0)


def window_pairs(ids, sent_ids, window, rng):
    """All (centre, context) pairs, in corpus order, with a random window size per centre.

    ids, sent_ids: (N,) arrays. Each centre draws its window size uniformly from 1..window
    (word2vec's "reduced window"); pairs never cross a sentence boundary.
    Returns centres (P,), contexts (P,).
    """
    n = len(ids)
    eff = rng.integers(1, window + 1, size=n)              # (N,) window size of each centre
    ctx = np.zeros((n, 2 * window), dtype=ids.dtype)       # (N, 2W): left then right neighbours
    ok = np.zeros((n, 2 * window), dtype=bool)
    for d in range(1, window + 1):
        same = sent_ids[d:] == sent_ids[:-d]
        # right neighbour at distance d of centre i is i + d
        ok[:-d, window + d - 1] = same & (eff[:-d] >= d)
        ctx[:-d, window + d - 1] = ids[d:]
        # left neighbour at distance d of centre i is i - d
        ok[d:, window - d] = same & (eff[d:] >= d)
        ctx[d:, window - d] = ids[:-d]
    centres = np.broadcast_to(ids[:, None], ok.shape)[ok]  # row-major: corpus order
    return centres, ctx[ok]


class NoiseTable:
    """Draws noise words from unigram ** 0.75 with one integer draw per word (gensim's table trick)."""

    def __init__(self, counts, exponent=0.75, size=None):
        weights = np.asarray(counts, dtype=np.float64) ** exponent
        size = size or min(2_000_000, 1000 * len(weights))     # ~1000 slots per word on average
        weights[np.asarray(counts) == 0] = 0.0
        if weights.sum() <= 0:
            raise ValueError("no word has a positive count: cannot build a noise distribution")
        self.probs = weights / weights.sum()
        # word i fills a share probs[i] of the table
        ends = np.round(np.cumsum(self.probs) * size).astype(np.int64)
        reps = np.diff(np.concatenate([[0], ends]))
        self.table = torch.from_numpy(np.repeat(np.arange(len(weights)), reps))

    def draw(self, shape, generator=None):
        """Noise word indices of the given shape (a torch int64 tensor)."""
        pos = torch.randint(len(self.table), shape, generator=generator, device=self.table.device)
        return self.table[pos]


# ----------------------------------------------------------------------------------------------
# The fast trainer
# ----------------------------------------------------------------------------------------------

@dataclasses.dataclass
class SGNSResult:
    """What `train_word2vec` returns: the model, its vocabulary, the word vectors and a history."""
    model: SkipGramNS
    vocab: Vocab
    vectors: "WordVectors"
    history: dict


def train_word2vec(sentences, vocab=None, config=None, progress=True, plot=None, device=None,
                   **overrides):
    """Train SGNS word vectors on tokenised sentences with the fast hand-written SGD trainer.

    `config` is an SGNSConfig (keyword overrides such as `epochs=1` are applied on top).
    Shows a tqdm bar and, with `plot` True (or None inside Jupyter), a live loss curve; plot=False
    stays quiet. Speeds count and time the same span: every epoch of subsampling, pair
    building, noise drawing and updates; the vocabulary is built (or passed in) before the
    clock starts, as gensim's `build_vocab` comes before its `train`, and the clock is paused
    while the live plot redraws (history["plot_seconds"]). `device` (default CPU)
    holds the two tables; pairs are built with NumPy on the CPU. Returns an SGNSResult.
    """
    cfg = dataclasses.replace(config or SGNSConfig(), **overrides)
    if cfg.window < 1 or cfg.negative < 1 or cfg.epochs < 1 or cfg.batch_size < 1:
        raise ValueError(f"window, negative, epochs and batch_size must be >= 1, got {cfg}")
    old_threads = torch.get_num_threads()
    if cfg.num_threads:
        torch.set_num_threads(cfg.num_threads)
    try:
        return _train(sentences, vocab, cfg, progress, plot, torch.device(device or "cpu"))
    finally:
        torch.set_num_threads(old_threads)


def _train(sentences, vocab, cfg, progress, plot, device):
    if vocab is None:
        vocab = Vocab(sentences, min_freq=cfg.min_count)
    start = time.perf_counter()       # like gensim's train(): the vocabulary scan is not timed
    cpu_start = time.process_time()
    ids, sent_ids = corpus_to_ids(sentences, vocab)
    if len(ids) < 2:
        raise ValueError("fewer than 2 in-vocabulary words: lower min_count or give more text")
    raw_words = sum(len(s) for s in sentences)
    counts = np.bincount(ids, minlength=len(vocab))
    keep_p = keep_probabilities(counts, cfg.sample)
    noise = NoiseTable(counts, cfg.ns_exponent)
    noise.table = noise.table.to(device)
    rng = np.random.default_rng(cfg.seed)
    gen = torch.Generator(device=device).manual_seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    model = SkipGramNS(len(vocab), cfg.embed_size).to(device)
    w_in, w_out = model.center.weight.data, model.context.weight.data
    # Rough total number of pairs, for the learning-rate schedule: kept words x mean window x 2.
    expected_pairs = max(1.0, float(keep_p[ids].sum()) * (cfg.window + 1) * cfg.epochs)
    animator = None
    if plot is not False:
        animator = Animator(xlabel="epoch", ylabel="loss per pair", live=plot)
    history = {"epoch": [], "loss": [], "pairs": 0, "words": 0}
    done_pairs, loss_sum, loss_pairs, plot_seconds, plot_cpu = 0, 0.0, 0, 0.0, 0.0
    bar = tqdm(total=cfg.epochs * len(ids), desc="words", unit="w", unit_scale=True,
               disable=not progress)
    for epoch in range(cfg.epochs):
        kept = rng.random(len(ids)) < keep_p[ids]                     # subsampling
        centres, contexts = window_pairs(ids[kept], sent_ids[kept], cfg.window, rng)
        centres, contexts = torch.from_numpy(centres).to(device), torch.from_numpy(contexts).to(device)
        n_pairs = len(centres)
        n_batches = max(1, math.ceil(n_pairs / cfg.batch_size))
        report_every = max(1, n_batches // 4)
        for b in range(n_batches):
            sl = slice(b * cfg.batch_size, (b + 1) * cfg.batch_size)
            c, o = centres[sl], contexts[sl]
            lr = max(cfg.min_lr, cfg.lr * (1 - done_pairs / expected_pairs))
            share = cfg.share_negatives if len(c) % cfg.share_negatives == 0 else 1
            negatives = noise.draw((len(c) // share, cfg.negative), generator=gen)  # (B/G, K)
            loss_sum += sgns_sgd_step(w_in, w_out, c, o, negatives, lr)
            loss_pairs += len(c)
            done_pairs += len(c)
            bar.update(len(ids) // n_batches + (1 if b < len(ids) % n_batches else 0))
            if (b + 1) % report_every == 0 or b == n_batches - 1:
                x = round(epoch + (b + 1) / n_batches, 3)
                history["epoch"].append(x)
                history["loss"].append(loss_sum / loss_pairs)
                bar.set_postfix(loss=f"{loss_sum / loss_pairs:.3f}", lr=f"{lr:.4f}")
                if animator is not None:                  # redrawing is not training: pause the clock
                    t_plot, c_plot = time.perf_counter(), time.process_time()
                    animator.add(x, loss=loss_sum / loss_pairs)
                    plot_seconds += time.perf_counter() - t_plot
                    plot_cpu += time.process_time() - c_plot
                loss_sum, loss_pairs = 0.0, 0
        history["pairs"] += n_pairs
    bar.close()
    seconds = time.perf_counter() - start - plot_seconds
    history.update(words=raw_words * cfg.epochs, seconds=seconds, plot_seconds=plot_seconds,
                   cpu_seconds=time.process_time() - cpu_start - plot_cpu,
                   words_per_s=raw_words * cfg.epochs / seconds,
                   pairs_per_s=history["pairs"] / seconds)
    if progress:
        print(f"{raw_words * cfg.epochs:,} words ({cfg.epochs} epochs) in {seconds:.1f} s: "
              f"{history['words_per_s']:,.0f} words/s, {history['pairs_per_s']:,.0f} pairs/s")
    return SGNSResult(model, vocab, WordVectors.from_model(model, vocab), history)


# ----------------------------------------------------------------------------------------------
# Using and evaluating word vectors
# ----------------------------------------------------------------------------------------------

class WordVectors:
    """A vocabulary list plus one vector per word, from our model or from gensim."""

    def __init__(self, words, matrix):
        self.words = list(words)
        self.matrix = torch.as_tensor(np.asarray(matrix), dtype=torch.float32)   # (V, d)
        if self.matrix.dim() != 2 or self.matrix.shape[0] != len(self.words):
            raise ValueError(f"need one row per word: {len(self.words)} words, "
                             f"matrix of shape {tuple(self.matrix.shape)}")
        self.index = {w: i for i, w in enumerate(self.words)}
        norms = self.matrix.norm(dim=1, keepdim=True).clamp_min(1e-9)
        self.unit = self.matrix / norms                                          # (V, d)

    @classmethod
    def from_model(cls, model, vocab):
        """The centre vectors of a SkipGramNS, without `<unk>` and other reserved tokens."""
        weight = model.center.weight.detach().cpu()
        rows = [i for i, t in enumerate(vocab.idx_to_token) if not (t.startswith("<") and t.endswith(">"))]
        return cls([vocab.idx_to_token[i] for i in rows], weight[rows])

    @classmethod
    def from_gensim(cls, keyed_vectors):
        """The vectors of a gensim KeyedVectors (e.g. `Word2Vec(...).wv`)."""
        return cls(keyed_vectors.index_to_key, keyed_vectors.vectors)

    def __contains__(self, word):
        return word in self.index

    def __len__(self):
        return len(self.words)

    def __getitem__(self, word):
        return self.matrix[self._lookup(word)]

    def _lookup(self, word):
        if word not in self.index:
            raise KeyError(f"{word!r} is not in the vocabulary ({len(self.words)} words; "
                           "rare words below min_count were dropped)")
        return self.index[word]

    def _nearest(self, query, k, exclude):
        cos = self.unit @ (query / query.norm().clamp_min(1e-9))                 # (V,)
        cos[list(exclude)] = -float("inf")
        top = torch.topk(cos, k)
        return [(self.words[i], round(float(s), 4)) for s, i in zip(top.values, top.indices)]

    def similarity(self, w1, w2):
        """Cosine similarity of two words."""
        return float(self.unit[self._lookup(w1)] @ self.unit[self._lookup(w2)])


def similar_tokens(word, k, vectors):
    """The k words with the highest cosine similarity to `word` (itself excluded): [(word, cos)]."""
    i = vectors._lookup(word)
    return vectors._nearest(vectors.unit[i], k, {i})


def analogy(a, b, c, vectors, k=1):
    """"a is to b as c is to ?": the k words nearest to b - a + c (unit vectors; a, b, c excluded)."""
    ia, ib, ic = (vectors._lookup(w) for w in (a, b, c))
    query = vectors.unit[ib] - vectors.unit[ia] + vectors.unit[ic]
    return vectors._nearest(query, k, {ia, ib, ic})


def evaluate_similarity(vectors, pairs, lower=True):
    """Spearman correlation between cosine similarities and human scores, on the pairs we cover.

    pairs: [(w1, w2, score)] (e.g. `load_word_similarity("wordsim353").pairs`). A pair is
    out of vocabulary (OOV) if either word is missing. Returns a dict with spearman, n_pairs,
    n_covered and oov_rate.
    """
    from scipy.stats import spearmanr
    if len(pairs) == 0:
        raise ValueError("no word pairs given")
    human, model = [], []
    for w1, w2, score in pairs:
        if lower:
            w1, w2 = w1.lower(), w2.lower()
        if w1 in vectors and w2 in vectors:
            human.append(float(score))
            model.append(vectors.similarity(w1, w2))
    covered = len(human)
    rho = float(spearmanr(human, model)[0]) if covered >= 2 else float("nan")
    return {"spearman": rho, "n_pairs": len(pairs), "n_covered": covered,
            "oov_rate": 1 - covered / len(pairs)}


def evaluate_analogies(vectors, sections, lower=True, batch_size=1024):
    """Accuracy on the analogy questions whose four words are all in the vocabulary.

    sections: {name: [(a, b, c, d)]} (e.g. `load_analogies().sections`); the answer to
    a:b :: c:? is the word nearest to b - a + c, excluding a, b and c (as in gensim).
    Returns a dict with accuracy, coverage, n_questions, n_covered, n_correct and per_section.
    """
    total = covered = correct = 0
    per_section = {}
    for name, questions in sections.items():
        rows = []
        for q in questions:
            q = [w.lower() for w in q] if lower else list(q)
            if all(w in vectors for w in q):
                rows.append([vectors.index[w] for w in q])
        total += len(questions)
        sec_correct = 0
        if rows:
            idx = torch.tensor(rows)                                              # (Q, 4)
            for s in range(0, len(idx), batch_size):
                part = idx[s:s + batch_size]
                a, b, c, d = part.unbind(1)
                query = vectors.unit[b] - vectors.unit[a] + vectors.unit[c]       # (q, d)
                scores = F.normalize(query, dim=1) @ vectors.unit.T               # (q, V)
                rows_q = torch.arange(len(part))
                for col in (a, b, c):
                    scores[rows_q, col] = -float("inf")
                sec_correct += int((scores.argmax(dim=1) == d).sum())
        per_section[name] = {"n_questions": len(questions), "n_covered": len(rows),
                             "accuracy": sec_correct / len(rows) if rows else float("nan")}
        covered += len(rows)
        correct += sec_correct
    if total == 0:
        raise ValueError("no analogy questions given")
    return {"accuracy": correct / covered if covered else float("nan"),
            "coverage": covered / total, "n_questions": total, "n_covered": covered,
            "n_correct": correct, "per_section": per_section}


# ----------------------------------------------------------------------------------------------
# The reference: gensim with matched hyper-parameters
# ----------------------------------------------------------------------------------------------

def train_gensim(sentences, config=None, workers=2, **overrides):
    """Train gensim's Word2Vec (sg=1, negative sampling) with the same hyper-parameters as ours.

    Returns (WordVectors, stats) where stats has seconds (of `train` only; the vocabulary scan
    is timed apart as vocab_seconds), cpu_seconds (all threads), words and words_per_s
    counted like our trainer.
    """
    from gensim.models import Word2Vec
    cfg = dataclasses.replace(config or SGNSConfig(), **overrides)
    model = Word2Vec(vector_size=cfg.embed_size, window=cfg.window, negative=cfg.negative,
                     sample=cfg.sample, min_count=cfg.min_count, alpha=cfg.lr,
                     min_alpha=cfg.min_lr, ns_exponent=cfg.ns_exponent, sg=1, hs=0,
                     workers=workers, seed=cfg.seed)
    t0 = time.perf_counter()
    model.build_vocab(sentences)
    t1, c1 = time.perf_counter(), time.process_time()
    model.train(sentences, total_examples=model.corpus_count, epochs=cfg.epochs)
    t2, c2 = time.perf_counter(), time.process_time()
    words = sum(len(s) for s in sentences) * cfg.epochs
    stats = {"seconds": t2 - t1, "cpu_seconds": c2 - c1, "vocab_seconds": t1 - t0,
             "words": words, "words_per_s": words / (t2 - t1)}
    return WordVectors.from_gensim(model.wv), stats
