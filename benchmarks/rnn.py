"""Benchmark 1: a training step of `RNNScratch` against `nn.RNN` + `nn.Linear` (chapter 2).

One training step = forward over (batch, num_steps) token ids, cross-entropy, backward,
`d2lmini.grad_clipping` to norm 1, an SGD step. Four models with the same sizes:

- ours: `d2lmini.RNNScratch` (explicit W_xh, W_hh, b_h, W_hq, b_q; a Python loop over
  time; the input is a row lookup in W_xh, the maths of a one-hot product);
- reference "one-hot": `d2lmini.RNNLM(embed_size=None)`: one-hot float inputs into
  `nn.RNN` + `nn.Linear`, as the seed does;
- reference "embedding": `d2lmini.RNNLM(embed_size=vocab_size)`: an `nn.Embedding`
  lookup into `nn.RNN` + `nn.Linear` (input as wide as the one-hot vector);
- reference "textbook loop": `TextbookRNN`, the same parameters run the way chapter 2
  first writes it (one-hot matrix and three matmuls per step): what the optimisations of
  `RNNScratch` gain.

The models train side by side, in interleaved chunks of steps, for a whole run (at least
`run_seconds` of wall time each, warm-up included), on pre-generated random batches (so
the data pipeline is not timed). The headline ratio is tokens/s over the whole run.
"""
import torch
import torch.nn.functional as F

from benchmarks import median, row, synchronizer, time_call
from d2lmini.rnn import RNNScratch

FULL = dict(vocab_size=60, num_hiddens=256, num_steps=35, batch_size=32, chunk_steps=20,
            run_seconds=60.0)
QUICK = dict(vocab_size=60, num_hiddens=32, num_steps=10, batch_size=8, chunk_steps=5,
             run_seconds=0.5)


class TextbookRNN(RNNScratch):
    """`RNNScratch`'s parameters run step by step as first written in chapter 2:
    one-hot inputs, H_t = tanh(X_t W_xh + H_{t-1} W_hh + b_h), O_t = H_t W_hq + b_q."""

    def forward(self, X, state=None):
        H = self.begin_state(X.shape[0]) if state is None else state
        outputs = []
        for x_t in F.one_hot(X, self.vocab_size).float().unbind(1):    # (batch, vocab)
            H = torch.tanh(x_t @ self.W_xh + H @ self.W_hh + self.b_h)
            outputs.append(H @ self.W_hq + self.b_q)
        return torch.stack(outputs, 1), H                             # (batch, steps, vocab)


def make_models(vocab_size, num_hiddens, device):
    """The four models, each initialised from the same seed."""
    from d2lmini import RNNLM, set_seed
    models = {}
    for name, make in [("ours", lambda: RNNScratch(vocab_size, num_hiddens)),
                       ("nn.RNN one-hot", lambda: RNNLM(vocab_size, num_hiddens)),
                       ("nn.RNN embedding",
                        lambda: RNNLM(vocab_size, num_hiddens, embed_size=vocab_size)),
                       ("textbook loop", lambda: TextbookRNN(vocab_size, num_hiddens))]:
        set_seed(0)
        models[name] = make().to(device)
    return models


def make_trainer(model, batches, lr=1.0, theta=1.0):
    """A function running one training step on the next of `batches` (cycled)."""
    from d2lmini import grad_clipping
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    position = [0]

    def step():
        X, Y = batches[position[0] % len(batches)]
        position[0] += 1
        logits, _ = model(X, model.begin_state(X.shape[0]))   # (batch, num_steps, vocab)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), Y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        grad_clipping(model, theta)
        optimizer.step()
    return step


def run(quick=False, device="cpu", **overrides):
    """Train the four models side by side; return the table rows and the raw timings."""
    cfg = {**(QUICK if quick else FULL), **overrides}
    device = torch.device(device)
    V, B, T = cfg["vocab_size"], cfg["batch_size"], cfg["num_steps"]
    generator = torch.Generator().manual_seed(0)
    batches = [(torch.randint(0, V, (B, T), generator=generator).to(device),
                torch.randint(0, V, (B, T), generator=generator).to(device)) for _ in range(8)]
    models = make_models(V, cfg["num_hiddens"], device)
    trainers = {name: make_trainer(m, batches) for name, m in models.items()}
    sync = synchronizer(device)

    def chunk(step):
        def go():
            for _ in range(cfg["chunk_steps"]):
                step()
        return go

    # Whole run: chunks in turn (ours, one-hot, embedding, textbook, ours, ...) until every model
    # has trained for run_seconds. The first chunk of each includes its warm-up.
    chunks = {name: {"wall": [], "cpu": []} for name in trainers}
    while min(sum(c["wall"]) for c in chunks.values()) < cfg["run_seconds"] \
            or min(len(c["wall"]) for c in chunks.values()) < 3:
        for name, step in trainers.items():
            wall, cpu = time_call(chunk(step), sync)
            chunks[name]["wall"].append(wall)
            chunks[name]["cpu"].append(cpu)

    tokens_per_chunk = cfg["chunk_steps"] * B * T
    stats = {}
    for name, c in chunks.items():
        n = len(c["wall"])
        stats[name] = {
            "chunks": n, "steps": n * cfg["chunk_steps"], "seconds": round(sum(c["wall"]), 2),
            "tokens_per_s_whole_run": n * tokens_per_chunk / sum(c["wall"]),
            "tokens_per_s_median_chunk": tokens_per_chunk / median(c["wall"][1:]),
            "tokens_per_cpu_s_median_chunk": tokens_per_chunk / median(c["cpu"][1:]),
            "first_chunk_seconds": round(c["wall"][0], 3),
        }

    def ratio(key, ref):
        return stats["ours"][key] / stats[ref][key]

    rows = []
    for ref, label in (("nn.RNN one-hot", "nn.RNN + nn.Linear, one-hot input"),
                       ("nn.RNN embedding", "nn.RNN + nn.Linear, embedding input"),
                       ("textbook loop", "the textbook loop (one-hot, 3 matmuls per step)")):
        rows.append(row(
            f"RNNScratch training step vs {label}",
            round(stats["ours"]["tokens_per_s_whole_run"]),
            round(stats[ref]["tokens_per_s_whole_run"]), "tokens/s",
            ratio("tokens_per_s_whole_run", ref),
            "ours ÷ reference tokens/s over the whole run, warm-up included (> 1: ours faster)",
            f"vocab {V}, hidden {cfg['num_hiddens']}, {T} steps × batch {B}, "
            f"{stats['ours']['seconds']:.0f} s of training each; median chunk ratio "
            f"{ratio('tokens_per_s_median_chunk', ref):.2f}, CPU-time ratio "
            f"{ratio('tokens_per_cpu_s_median_chunk', ref):.2f}"))
    for s in stats.values():
        for key in ("tokens_per_s_whole_run", "tokens_per_s_median_chunk",
                    "tokens_per_cpu_s_median_chunk"):
            s[key] = round(s[key])
    return {"rows": rows, "details": {"config": cfg, "models": stats,
                                      "timings": {k: {kk: [round(x, 4) for x in vv]
                                                      for kk, vv in v.items()}
                                                  for k, v in chunks.items()}}}
