"""Word vectors to use: a vocabulary list and one row per word, nearest neighbours, analogies."""
import numpy as np
import torch

__all__ = ["WordVectors", "similar_tokens", "analogy"]


class WordVectors:
    """A vocabulary list plus one vector per word, from our model or from gensim.

    `words` are kept in the order given, which for our vocabularies and gensim's is by
    decreasing frequency: evaluation with lower=True lets the first (most frequent) casing of
    a word stand for all its casings, as gensim does.
    """

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

    def to_gensim(self):
        """The same vectors as a gensim KeyedVectors (to score them with gensim's own evaluators)."""
        from gensim.models import KeyedVectors
        kv = KeyedVectors(self.matrix.shape[1])
        kv.add_vectors(self.words, self.matrix.numpy())
        return kv

    def __contains__(self, word):
        return word in self.index

    def __len__(self):
        return len(self.words)

    def __getitem__(self, word):
        return self.matrix[self.lookup(word)]

    def lookup(self, word):
        """The row of `word`; a KeyError that says why when it is missing."""
        if word not in self.index:
            raise KeyError(f"{word!r} is not in the vocabulary ({len(self.words)} words; "
                           "rare words below min_count were dropped)")
        return self.index[word]

    def nearest(self, query, k, exclude=()):
        """The k words whose unit vectors are closest in cosine to `query` (d,), skipping the
        rows in `exclude`: [(word, cosine)]."""
        cos = self.unit @ (query / query.norm().clamp_min(1e-9))                 # (V,)
        cos[list(exclude)] = -float("inf")
        top = torch.topk(cos, k)
        return [(self.words[i], round(float(s), 4)) for s, i in zip(top.values, top.indices)]

    def similarity(self, w1, w2):
        """Cosine similarity of two words."""
        return float(self.unit[self.lookup(w1)] @ self.unit[self.lookup(w2)])


def similar_tokens(word, k, vectors):
    """The k words with the highest cosine similarity to `word` (itself excluded): [(word, cos)]."""
    i = vectors.lookup(word)
    return vectors.nearest(vectors.unit[i], k, {i})


def analogy(a, b, c, vectors, k=1):
    """"a is to b as c is to ?": the k words nearest to b - a + c (unit vectors; a, b, c excluded)."""
    ia, ib, ic = (vectors.lookup(w) for w in (a, b, c))
    query = vectors.unit[ib] - vectors.unit[ia] + vectors.unit[ic]
    return vectors.nearest(query, k, {ia, ib, ic})
