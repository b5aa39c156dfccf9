"""Comparing one word's vectors across senses, layer by layer: cosine similarity, within-
vs across-sense means, and the static (word2vec) vector beside them."""
from dataclasses import dataclass, field

import numpy as np
import torch

from .model import Bert, load_bert
from .plots import plot_polysemy
from .sentences import default_sentences
from .vectors import layer_indices, word_vectors

__all__ = ["PolysemyResult", "bank_polysemy", "cosine_matrix", "static_vector_of",
           "within_across"]


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
    idx = layer_indices(layers, bert.num_layers + 1)
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
