"""The fast trainer `train_word2vec`: gensim's algorithm compiled, on several threads.

The corpus is cut into pieces of about `piece_words` words (whole sentences), like gensim's
jobs; a pool of `workers` threads runs the compiled loop (`kernel.sgns_piece`) on one piece
after another, all updating the same two tables (Hogwild). The learning rate of a piece
decays linearly with the share of the whole run done before it. The epochs go through the
library's one loop, `fit`, with `optimizer=None` (the kernel updates the tables itself): each
epoch's pieces are queued at once, and a batch of `fit` is a run of consecutive pieces whose
results it waits for (one tick of the progress bar). The batched torch trainer
(`engine="batched"`) is in `batched.py`.
"""
import dataclasses
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch

from ..errors import UserError
from ..fit import fit
from ..plotting import Animator
from ..vocab import Vocab
from .model import SkipGramNS
from .pairs import corpus_to_ids, keep_probabilities, noise_alias_table, sentence_starts
from .result import QuietAnimator, SGNSResult, TrainClock, finish_result, report_points

__all__ = ["SGNSConfig", "SGNSResult", "train_word2vec", "report_points"]

CHUNK_PIECES_PER_WORKER = 8   # a batch of `fit` (one progress tick): 8 pieces per thread


@dataclasses.dataclass
class SGNSConfig:
    """Hyper-parameters of `train_word2vec`; the model's defaults are gensim's for sg=1.

    engine "compiled" (the default) takes one SGD step per (centre, context) pair, as gensim
    does, and matches gensim's vectors on WordSim353, SimLex-999 and the Google analogies;
    "batched" (torch, `batch_size` pairs per step) is faster per thread, runs on a GPU, and
    reaches about half of gensim's analogy accuracy. share_negatives: with "compiled", 1 (the
    default) draws new noise words for every pair, as gensim does, and "window" reuses one
    centre's K noise words for its whole window (pWord2Vec: about 2x faster, about 0.9x
    gensim's analogy accuracy on the BBC corpus); with "batched", G consecutive pairs share
    K noise words (default 64). None: the engine's default.
    """
    embed_size: int = 100
    window: int = 5             # maximum window; each centre draws its own size in 1..window
    negative: int = 5           # noise words per (centre, context) pair
    sample: float = 1e-3        # subsampling threshold t (gensim's `sample`)
    min_count: int = 5          # words rarer than this are dropped, as in gensim
    epochs: int = 5
    lr: float = 0.025           # decays linearly to min_lr over the whole run
    min_lr: float = 1e-4
    ns_exponent: float = 0.75   # noise distribution: unigram ** 0.75
    engine: str = "compiled"    # "compiled" (numba, gensim's quality) or "batched" (torch)
    share_negatives: object = None   # 1 or "window" (compiled); G >= 1 (batched); None: default
    workers: int = 2            # compiled: threads updating the tables at once (1: reproducible)
    piece_words: int = 10_000   # compiled: words per piece handed to a thread
    batch_size: int = 4096      # batched: (centre, context) pairs per SGD step
    num_threads: int = 1        # batched: torch threads (None: leave as is)
    seed: int = 0

    def __post_init__(self):
        if self.share_negatives is None:
            self.share_negatives = 1 if self.engine == "compiled" else 64
        self.validate()

    def validate(self):
        """Raise UserError naming the first setting that cannot work."""
        for name in ("embed_size", "window", "negative", "epochs", "workers", "piece_words",
                     "batch_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise UserError(f"SGNSConfig.{name} must be an integer >= 1, got {value!r}")
        if self.engine not in ("compiled", "batched"):
            raise UserError(f"SGNSConfig.engine must be 'compiled' or 'batched', got {self.engine!r}")
        ok = (("window", 1) if self.engine == "compiled" else None)
        share = self.share_negatives
        if ok and share not in ok:
            raise UserError(f"with engine='compiled', share_negatives is 'window' or 1, got {share!r}")
        if not ok and (not isinstance(share, int) or share < 1):
            raise UserError(f"with engine='batched', share_negatives is an integer >= 1, got {share!r}")
        if not 0 < self.min_lr <= self.lr:
            raise UserError(f"need 0 < min_lr <= lr, got lr={self.lr}, min_lr={self.min_lr}")


def train_word2vec(sentences, vocab=None, config=None, progress=True, plot=None, device=None,
                   **overrides):
    """Train SGNS word vectors on tokenised sentences; returns an SGNSResult.

    `config` is an SGNSConfig (keyword overrides such as `epochs=1` are applied on top).
    Shows a progress bar and, with `plot` True (or None inside Jupyter), a live loss curve;
    plot=False stays quiet. Speeds count and time the same span, every epoch of
    subsampling, windows, noise words and updates; the vocabulary is built (or passed in)
    before the clock starts, as gensim's `build_vocab` comes before its `train`, and the
    clock is paused while the live plot redraws. `device` is for engine="batched" only.
    """
    if isinstance(sentences, str) or (sentences and isinstance(sentences[0], str)):
        raise TypeError("sentences must be a list of token lists, e.g. [['the', 'cat'], ...]")
    base = config or SGNSConfig()
    if overrides.get("engine", base.engine) != base.engine and "share_negatives" not in overrides:
        overrides["share_negatives"] = None            # the other engine's default
    cfg = dataclasses.replace(base, **overrides)
    if vocab is None:
        vocab = Vocab(sentences, min_freq=cfg.min_count)
    if cfg.engine == "batched":
        from .batched import train_batched
        return train_batched(sentences, vocab, cfg, progress, plot, torch.device(device or "cpu"))
    if device is not None and torch.device(device).type != "cpu":
        raise UserError("engine='compiled' runs on the CPU: pass engine='batched' to use a GPU")
    return _train_compiled(sentences, vocab, cfg, progress, plot)


def _pieces(starts, piece_words):
    """Cut sentence offsets into runs of whole sentences of about `piece_words` words each."""
    cuts, last = [0], 0
    for s in range(1, len(starts)):
        if starts[s] - starts[last] >= piece_words or s == len(starts) - 1:
            cuts.append(s)
            last = s
    return [starts[a:b + 1] for a, b in zip(cuts[:-1], cuts[1:])]


def _train_compiled(sentences, vocab, cfg, progress, plot):
    from .kernel import sgns_piece
    t0 = time.perf_counter()
    sgns_piece(np.zeros(2, np.int32), np.array([0, 2]), np.zeros((1, 1), np.float32),
               np.zeros((1, 1), np.float32), np.ones(1), np.zeros(1, np.int64), np.ones(1), 1, 1,
               0.0, 0, False, np.zeros(2, np.int32))                      # compile (or load the cached build)
    compile_seconds = time.perf_counter() - t0
    clock = TrainClock()
    ids, sent_ids = corpus_to_ids(sentences, vocab)
    if len(ids) < 2:
        raise UserError("fewer than 2 in-vocabulary words: lower min_count or give more text")
    ids = ids.astype(np.int32)
    starts = sentence_starts(sent_ids)
    counts = np.bincount(ids, minlength=len(vocab))
    keep_p = keep_probabilities(counts, cfg.sample)
    noise_prob, noise_alias = noise_alias_table(counts, cfg.ns_exponent)
    torch.manual_seed(cfg.seed)
    model = SkipGramNS(len(vocab), cfg.embed_size)
    with torch.no_grad():         # gensim's initialisation: uniform in +-1/d (the C tool's is +-0.5/d)
        model.center.weight.uniform_(-1 / cfg.embed_size, 1 / cfg.embed_size)
    syn0, syn1 = model.center.weight.data.numpy(), model.context.weight.data.numpy()  # shared memory
    pieces = _pieces(starts, cfg.piece_words)
    longest = int(np.diff(starts).max())
    share = cfg.share_negatives == "window"
    raw_words = sum(len(s) for s in sentences)
    total = len(ids) * cfg.epochs
    bufs = {}

    def run_piece(args):
        epoch, k, piece, done = args            # done: words of the run before this piece
        buf = bufs.setdefault(threading.get_ident(), np.zeros(longest, np.int32))  # one per thread
        lr = max(cfg.min_lr, cfg.lr - (cfg.lr - cfg.min_lr) * done / total)
        seed = (cfg.seed * 1_000_003 + epoch) * 100_003 + k
        loss, pairs = sgns_piece(ids, piece, syn0, syn1, noise_prob, noise_alias, keep_p,
                                 cfg.window, cfg.negative, lr, seed, share, buf)
        return loss, pairs, int(piece[-1] - piece[0]), lr

    animator = None if plot is False else Animator(xlabel="epoch", ylabel="loss per pair", live=plot)
    history = {"epoch": [], "loss": [], "pairs": 0}
    offsets = np.cumsum([0] + [int(p[-1] - p[0]) for p in pieces])
    points = set(report_points(len(pieces)))
    per_chunk = cfg.workers * CHUNK_PIECES_PER_WORKER
    epochs = iter(range(cfg.epochs))
    report = {"loss_sum": 0.0, "loss_pairs": 0}     # the running mean between report points

    def chunks():
        """Queue one epoch's pieces on the pool at once (no thread waits for another between
        chunks); a batch of `fit` is a chunk of (epoch, k, future) for consecutive pieces."""
        epoch = next(epochs)
        jobs = [(epoch, k, pool.submit(run_piece, (epoch, k, p, epoch * len(ids) + offsets[k])))
                for k, p in enumerate(pieces)]
        return [jobs[i:i + per_chunk] for i in range(0, len(jobs), per_chunk)]

    def step(model, chunk):
        """Wait for a chunk's pieces (the kernel updates the tables itself); their mean loss."""
        chunk_loss, chunk_pairs, chunk_words = 0.0, 0, 0
        for epoch, k, job in chunk:
            loss, pairs, words, _ = job.result()
            chunk_loss, chunk_pairs, chunk_words = chunk_loss + loss, chunk_pairs + pairs, chunk_words + words
            report["loss_sum"] += loss
            report["loss_pairs"] += pairs
            if k + 1 in points and report["loss_pairs"]:
                x, mean = round(epoch + (k + 1) / len(pieces), 3), report["loss_sum"] / report["loss_pairs"]
                history["epoch"].append(x)
                history["loss"].append(mean)
                if animator is not None:
                    clock.pause(animator.add, x, loss=mean)
                report.update(loss_sum=0.0, loss_pairs=0)
        history["pairs"] += chunk_pairs
        return chunk_loss / max(1, chunk_pairs), round(raw_words * chunk_words / len(ids))

    with ThreadPoolExecutor(max_workers=cfg.workers) as pool:
        history["fit"] = fit(model, chunks, step, None, max_epochs=cfg.epochs, progress=progress,
                             plot=QuietAnimator(), title="SGNS")
    return finish_result(model, vocab, history, clock, raw_words, cfg, progress,
                   compile_seconds=compile_seconds)
