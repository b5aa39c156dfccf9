import math

import pytest
import torch
from torch import nn

from d2lmini.errors import UserError
from d2lmini.fit import History, TrainingDivergedError, fit, grad_clipping, make_optimizer


def _regression(n=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 3, generator=g)
    y = X @ torch.tensor([1.0, -2.0, 0.5]) + 0.1
    return [(X[i:i + 16], y[i:i + 16]) for i in range(0, n, 16)]


def _step(model, batch):
    X, y = batch
    return nn.functional.mse_loss(model(X).squeeze(-1), y), len(y)


def _fit(model, **kw):
    kw = {"max_epochs": 3, "progress": False, "plot": False, "lr": 0.05, **kw}
    return fit(model, _regression(), _step, kw.pop("optimizer", "sgd"), **kw)


def test_fit_trains_and_records_plain_numbers():
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    history = _fit(model, max_epochs=5, evaluate=lambda m: {"w0": float(m.weight[0, 0])})
    assert isinstance(history, History)
    assert history.epoch == [1, 2, 3, 4, 5] and history.epochs_run == 5
    assert history.train_loss[-1] < history.train_loss[0]
    assert history.items == [64] * 5 and len(history.step_loss) == 20
    assert len(history["w0"]) == 5 and history["seconds"] == history.seconds
    assert all(isinstance(v, float) for v in history.train_loss + history.grad_norm)
    assert model.training                      # evaluate ran in eval mode, train mode restored
    with pytest.raises(KeyError, match="w0"):  # the message lists the keys there are
        history["nope"]


def test_evaluate_runs_in_eval_mode_without_gradients():
    seen = []

    def evaluate(model):
        seen.append((model.training, torch.is_grad_enabled()))
        return {}
    _fit(nn.Sequential(nn.Linear(3, 1), nn.Dropout(0.5)), max_epochs=2, evaluate=evaluate)
    assert seen == [(False, False), (False, False)]


def test_early_stopping_restores_the_best_weights():
    model = nn.Linear(3, 1)
    scores = iter([0.3, 0.9, 0.5, 0.4, 0.2, 0.1])
    snapshots = []

    def evaluate(model):
        snapshots.append(model.weight.detach().clone())
        return {"score": next(scores)}
    history = _fit(model, max_epochs=6, evaluate=evaluate, monitor="score", patience=2)
    assert history.epochs_run == 4 and history.stopped_early
    assert history.best_epoch == 2 and history.best_value == 0.9 and history.restored_best
    assert torch.equal(model.weight, snapshots[1])       # the weights of epoch 2, not of epoch 4
    assert not torch.equal(snapshots[1], snapshots[3])
    assert "best score 0.9 at epoch 2" in history.summary()


def test_mode_min_and_nan_metric_is_never_best():
    scores = iter([math.nan, 2.0, 1.0, 3.0])
    history = _fit(nn.Linear(3, 1), max_epochs=4, evaluate=lambda m: {"ppl": next(scores)},
                   monitor="ppl", mode="min")
    assert history.best_epoch == 3 and history.best_value == 1.0 and not history.stopped_early


@pytest.mark.parametrize("clip", [0, -1.0, math.nan, "1"])
def test_clip_must_be_positive_or_none(clip):
    with pytest.raises(UserError, match="clip must be a number > 0.*None"):
        _fit(nn.Linear(3, 1), clip=clip)


@pytest.mark.parametrize("theta", [0, -5, math.nan])
def test_grad_clipping_rejects_bad_theta(theta):
    p = nn.Parameter(torch.zeros(2))
    p.grad = torch.ones(2)
    with pytest.raises(ValueError, match="theta must be a number > 0"):
        grad_clipping([p], theta)
    assert torch.equal(p.grad, torch.ones(2))             # nothing was scaled


def test_grad_clipping_none_or_inf_only_measures_and_nan_is_reported():
    p = nn.Parameter(torch.zeros(2))
    p.grad = torch.tensor([3.0, 4.0])
    assert grad_clipping([p], None) == pytest.approx(5.0) and grad_clipping([p], math.inf) == 5.0
    assert torch.equal(p.grad, torch.tensor([3.0, 4.0]))
    p.grad = torch.tensor([math.nan, 1.0])
    with pytest.raises(TrainingDivergedError, match="gradient norm is nan"):
        grad_clipping([p], 1.0)


def test_clipping_bounds_every_update():
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    before = model.weight.detach().clone()
    batch = [(torch.full((4, 3), 100.0), torch.zeros(4))]
    fit(model, batch, _step, "sgd", lr=1.0, max_epochs=1, clip=0.01, progress=False, plot=False)
    assert float((model.weight.detach() - before).norm()) <= 0.01 + 1e-6


@pytest.mark.parametrize("kw, match", [
    ({"max_epochs": 0}, "max_epochs must be an integer >= 1"),
    ({"max_epochs": 2.5}, "max_epochs must be an integer >= 1"),
    ({"lr": 0}, "lr must be a finite number > 0"),
    ({"lr": math.inf}, "lr must be a finite number > 0"),
    ({"lr": math.nan}, "lr must be a finite number > 0"),
    ({"optimizer": "rmsprop"}, "optimizer must be one of"),
    ({"patience": 0, "monitor": "x"}, "patience must be an integer >= 1"),
    ({"patience": 2}, "patience needs a monitor"),
    ({"monitor": "x"}, "needs an evaluate function"),
    ({"mode": "up"}, "mode must be 'max' or 'min'"),
])
def test_bad_arguments_give_a_user_error_naming_them(kw, match):
    with pytest.raises(UserError, match=match):
        _fit(nn.Linear(3, 1), **kw)


def test_missing_monitor_key_is_named():
    with pytest.raises(UserError, match="'f1' is not among the metrics.*'acc'"):
        _fit(nn.Linear(3, 1), evaluate=lambda m: {"acc": 1.0}, monitor="f1")


def test_a_diverging_run_stops_with_epoch_batch_and_advice():
    batch = [(torch.full((4, 3), 1e3), torch.zeros(4))] * 50
    with pytest.raises(TrainingDivergedError,
                       match=r"became (inf|nan|inf or nan) at epoch 1, batch \d+.*lower the learning rate \(now 100\)"):
        fit(nn.Linear(3, 1), batch, _step, "sgd", lr=100.0, max_epochs=1, progress=False,
            plot=False)
    assert issubclass(TrainingDivergedError, FloatingPointError)


def test_a_one_shot_generator_is_caught_in_the_second_epoch():
    gen = (b for b in _regression())
    with pytest.raises(UserError, match="empty in epoch 2.*fresh iterator"):
        fit(nn.Linear(3, 1), gen, _step, "sgd", lr=0.01, max_epochs=2, progress=False, plot=False)


def test_a_function_gives_fresh_batches_each_epoch():
    calls = []

    def batches():
        calls.append(1)
        return iter(_regression())
    history = fit(nn.Linear(3, 1), batches, _step, "adam", lr=0.01, max_epochs=3,
                  progress=False, plot=False)
    assert len(calls) == 3 and history.items == [64, 64, 64]


def test_make_optimizer_accepts_a_built_optimizer():
    model = nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    assert make_optimizer(model, opt) is opt
    assert isinstance(make_optimizer(model, "AdamW", 1e-3), torch.optim.AdamW)


def _hand_step(lr=0.1):
    """A step that updates the weights itself (no optimizer): one SGD step on a mean square."""
    def step(model, batch):
        x, y = batch
        loss = ((model(x) - y) ** 2).mean()
        grads = torch.autograd.grad(loss, list(model.parameters()))
        with torch.no_grad():
            for p, g in zip(model.parameters(), grads):
                p -= lr * g
        return loss.item(), len(x)
    return step


def test_optimizer_none_lets_the_step_update_the_weights():
    torch.manual_seed(0)
    model = nn.Linear(3, 1)
    x = torch.randn(64, 3)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]])
    batches = [(x[i:i + 16], y[i:i + 16]) for i in range(0, 64, 16)]
    before = model.weight.detach().clone()
    history = fit(model, batches, _hand_step(), None, max_epochs=5, progress=False, plot=False)
    assert not torch.equal(before, model.weight)
    assert history.epoch == [1, 2, 3, 4, 5] and history.items == [64] * 5
    assert len(history.step_loss) == 5 * 4 and history.train_loss[-1] < history.train_loss[0]
    assert all(math.isnan(g) for g in history.grad_norm)      # fit took no gradient
    assert all(p.grad is None for p in model.parameters())


def test_optimizer_none_still_stops_on_a_nan_loss_and_rejects_clip():
    model = nn.Linear(3, 1)
    batches = [(torch.randn(4, 3), torch.randn(4, 1))] * 3
    calls = []

    def step(model, batch):
        calls.append(1)
        return (math.nan if len(calls) == 2 else 1.0), 4
    with pytest.raises(TrainingDivergedError, match="epoch 1, batch 2"):
        fit(model, batches, step, None, max_epochs=2, progress=False, plot=False)
    with pytest.raises(UserError, match="clip needs an optimizer"):
        fit(model, batches, _hand_step(), None, max_epochs=1, clip=1.0, progress=False, plot=False)
