"""Benchmark 3: a BiGRU tagger with one-hot inputs against the same tagger with embeddings.

Both are `d2lmini.tagging.RNNTagger` (chapters 4-5): vocabulary 20,000 words, batches of
32 sentences × 40 tokens, bidirectional GRU with 128 hidden units per direction, 9 tags.
The one-hot tagger feeds `F.one_hot(tokens).float()` (batch, steps, 20,000) into the GRU,
as the seed does; the embedding tagger feeds 100-dim `nn.Embedding` rows. One step =
forward, cross-entropy, backward, `grad_clipping` to 1, Adam — the loop of chapter 5.

Time: ms per step, interleaved repetitions, medians. Memory (see `peak_step_bytes`):
- on CUDA: `torch.cuda.max_memory_allocated` during one step, minus what was allocated
  before it (parameters and Adam state, which live between steps);
- on the CPU: the PyTorch profiler's allocation events of one step (`profile_memory=True`),
  summed in time order; the peak of that running total is the most tensor memory the
  step had live at once beyond what existed before it (the one-hot input, activations,
  gradients, temporaries). We also report the bytes autograd saved for the backward
  pass (`d2lmini.tagging.SavedTensorMeter`, as chapter 5 does) and parameter + Adam bytes.
"""
import torch
import torch.nn.functional as F

from benchmarks import interleaved, median, row, synchronizer

FULL = dict(vocab_size=20_000, batch_size=32, num_steps=40, num_hiddens=128, embed_size=100,
            num_tags=9, repeats=10)
QUICK = dict(vocab_size=500, batch_size=4, num_steps=10, num_hiddens=16, embed_size=8,
             num_tags=5, repeats=2)


def make_vocab(vocab_size):
    """A vocabulary of exactly `vocab_size` entries: <unk>, <pad> and made-up words."""
    from d2lmini import Vocab
    vocab = Vocab([f"w{i}" for i in range(vocab_size - 2)], reserved_tokens=["<pad>"])
    assert len(vocab) == vocab_size, len(vocab)
    return vocab


def make_step(model, batch, theta=1.0, lr=1e-3):
    """One training step of the tagger on `batch` = (tokens, tags, lengths)."""
    from d2lmini import grad_clipping
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    tokens, tags, lengths = batch

    def step():
        logits = model(tokens, lengths)                       # (batch, steps, num_tags)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tags.reshape(-1),
                               ignore_index=-100)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        grad_clipping(model, theta)
        optimizer.step()
    return step


def peak_step_bytes(model, step, device):
    """Most bytes of tensors live at once during one `step()`, beyond those live before it
    (the parameters and Adam's state: the gradients are freed first, so they count)."""
    device = torch.device(device)
    model.zero_grad(set_to_none=True)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        before = torch.cuda.memory_allocated(device)
        torch.cuda.reset_peak_memory_stats(device)
        step()
        torch.cuda.synchronize(device)
        return torch.cuda.max_memory_allocated(device) - before
    from torch.profiler import ProfilerActivity, profile
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        step()
    events = [e for e in prof.profiler.kineto_results.events() if e.name() == "[memory]"]
    live = peak = 0
    for e in sorted(events, key=lambda e: e.start_ns()):
        live += e.nbytes()          # positive: allocation, negative: free
        peak = max(peak, live)
    return peak


def saved_activation_bytes(model, batch):
    """Bytes autograd keeps for the backward pass of one forward (chapter 5's meter)."""
    from d2lmini.tagging import SavedTensorMeter
    tokens, tags, lengths = batch
    with SavedTensorMeter() as meter:
        logits = model(tokens, lengths)
    del logits
    return meter.bytes


def run(quick=False, device="cpu", **overrides):
    """Time and measure both taggers; return the table rows and the details."""
    from d2lmini import set_seed
    from d2lmini.tagging import state_bytes
    from d2lmini.tagging import RNNTagger, TaggerConfig
    cfg = {**(QUICK if quick else FULL), **overrides}
    device = torch.device(device)
    vocab = make_vocab(cfg["vocab_size"])
    g = torch.Generator().manual_seed(0)
    B, T = cfg["batch_size"], cfg["num_steps"]
    tokens = torch.randint(2, cfg["vocab_size"], (B, T), generator=g)
    tags = torch.randint(0, cfg["num_tags"], (B, T), generator=g)
    lengths = torch.full((B,), T)
    batch = (tokens.to(device), tags.to(device), lengths)
    models, steps = {}, {}
    for kind in ("onehot", "embedding"):
        set_seed(0)
        config = TaggerConfig(cell="gru", bidirectional=True, num_hiddens=cfg["num_hiddens"],
                              input=kind, embed_size=cfg["embed_size"])
        models[kind] = RNNTagger(vocab, cfg["num_tags"], config).to(device)
        steps[kind] = make_step(models[kind], batch)
    times = interleaved(steps, cfg["repeats"], warmup=1, sync=synchronizer(device))
    ms = {k: 1000 * median(t["wall"]) for k, t in times.items()}
    cpu_ms = {k: 1000 * median(t["cpu"]) for k, t in times.items()}
    peak = {k: peak_step_bytes(models[k], s, device) for k, s in steps.items()}
    saved = {k: saved_activation_bytes(m, batch) for k, m in models.items()}
    state = {k: state_bytes(m) for k, m in models.items()}
    # what stays allocated between steps: parameters + Adam's two slots (gradients are freed)
    resident = {k: 3 * sum(p.numel() * p.element_size() for p in m.parameters())
                for k, m in models.items()}
    total = {k: resident[k] + peak[k] for k in models}
    setting = (f"vocab {cfg['vocab_size']:,}, batch {B}×{T}, BiGRU hidden {cfg['num_hiddens']}, "
               f"embedding {cfg['embed_size']}; Adam")
    method = "CUDA max_memory_allocated" if device.type == "cuda" else "profiler allocation events"
    rows = [
        row("BiGRU tagger step time: one-hot vs embedding input", round(ms["onehot"], 1),
            round(ms["embedding"], 1), "ms/step", ms["onehot"] / ms["embedding"],
            "one-hot ÷ embedding ms/step (how many times slower one-hot is)",
            f"{setting}; median of {cfg['repeats']} interleaved steps; CPU-time ratio "
            f"{cpu_ms['onehot'] / cpu_ms['embedding']:.1f}"),
        row("BiGRU tagger peak step memory: one-hot vs embedding input",
            round(peak["onehot"] / 2**20, 1), round(peak["embedding"] / 2**20, 1), "MiB",
            peak["onehot"] / peak["embedding"],
            "one-hot ÷ embedding peak bytes allocated during a step",
            f"{method}, beyond parameters + Adam state; with them the peak is "
            f"{total['onehot'] / 2**20:.0f} vs {total['embedding'] / 2**20:.0f} MiB "
            f"({total['onehot'] / total['embedding']:.1f}×); saved activations "
            f"{saved['onehot'] / 2**20:.1f} vs {saved['embedding'] / 2**20:.1f} MiB"),
    ]
    details = {"config": cfg, "ms_per_step": ms, "cpu_ms_per_step": cpu_ms,
               "peak_step_bytes": peak, "peak_method": method,
               "saved_activation_bytes": saved, "parameter_grad_adam_bytes": state,
               "parameter_adam_bytes": resident, "total_peak_bytes": total,
               "timings": times}
    return {"rows": rows, "details": details}
