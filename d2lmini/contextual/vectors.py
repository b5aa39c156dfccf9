"""Finding a word inside a sentence with the tokenizer's own character offsets, and reading
its contextual vector out of every layer (sub-words averaged)."""
import re
from dataclasses import dataclass

import torch

__all__ = ["WordSpan", "find_word", "layer_indices", "locate_word", "word_vectors"]


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


def layer_indices(layers, num_hidden_states):
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
    idx = layer_indices(layers, hidden.shape[0])
    vecs = torch.stack([hidden[idx, n, sp.start:sp.stop].mean(dim=1)   # (len(idx), H)
                        for n, sp in enumerate(spans)], dim=1)         # (len(idx), N, H)
    vecs = vecs.float().cpu().numpy()
    return (vecs, spans) if return_spans else vecs

