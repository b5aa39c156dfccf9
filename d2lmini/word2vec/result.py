"""What both SGNS trainers share: the result they return, when to report the loss, a clock
that leaves out plotting time, and the wrap-up that computes the speeds."""
import dataclasses
import time

from ..plotting import Animator
from ..vocab import Vocab
from .model import SkipGramNS
from .vectors import WordVectors

__all__ = ["QuietAnimator", "SGNSResult", "TrainClock", "finish_result", "report_points"]


@dataclasses.dataclass
class SGNSResult:
    """What `train_word2vec` returns: the model, its vocabulary, the word vectors and a history."""
    model: SkipGramNS
    vocab: Vocab
    vectors: WordVectors
    history: dict


def report_points(n_steps, per_epoch=4):
    """The step numbers (1-based) after which to report the mean loss: `per_epoch` evenly
    spaced ones ending at the last step, each once (no extra report of a tiny remainder)."""
    return sorted({max(1, round(n_steps * q / per_epoch)) for q in range(1, per_epoch + 1)})


class QuietAnimator(Animator):
    """Keeps `fit`'s per-epoch points quiet: the trainer draws its own curve, 4 points an epoch."""

    def add(self, x, **ys):
        pass


class TrainClock:
    """Wall and CPU seconds since start, minus the time spent redrawing the plot."""

    def __init__(self):
        self.wall, self.cpu, self.paused_wall, self.paused_cpu = (time.perf_counter(),
                                                                   time.process_time(), 0.0, 0.0)

    def pause(self, fn, *args, **kwargs):
        w, c = time.perf_counter(), time.process_time()
        fn(*args, **kwargs)
        self.paused_wall += time.perf_counter() - w
        self.paused_cpu += time.process_time() - c

    def seconds(self):
        return time.perf_counter() - self.wall - self.paused_wall

    def cpu_seconds(self):
        return time.process_time() - self.cpu - self.paused_cpu


def finish_result(model, vocab, history, clock, raw_words, cfg, progress, **extra):
    """Fill in the speeds, print the one-line summary and wrap up an SGNSResult."""
    seconds = clock.seconds()
    history.update(words=raw_words * cfg.epochs, seconds=seconds, plot_seconds=clock.paused_wall,
                   cpu_seconds=clock.cpu_seconds(), words_per_s=raw_words * cfg.epochs / seconds,
                   pairs_per_s=history["pairs"] / seconds, **extra)
    if progress:
        print(f"{raw_words * cfg.epochs:,} words ({cfg.epochs} epochs) in {seconds:.1f} s: "
              f"{history['words_per_s']:,.0f} words/s, {history['pairs_per_s']:,.0f} pairs/s")
    return SGNSResult(model, vocab, WordVectors.from_model(model, vocab), history)
