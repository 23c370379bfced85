"""The readable loop of lesson 05: reproducible, the target network frozen between syncs,
terminated against truncated, its arguments checked."""

import numpy as np
import pytest

from replay_lab.approx import train
from replay_lab.approx.train import linear_q_learning


def test_the_same_seed_gives_the_same_run_and_another_seed_another():
    a = linear_q_learning(600, seed=3, replay=True, batch_size=4)
    b = linear_q_learning(600, seed=3, replay=True, batch_size=4)
    c = linear_q_learning(600, seed=4, replay=True, batch_size=4)
    assert np.array_equal(a.weights, b.weights) and np.array_equal(a.returns, b.returns)
    assert not np.array_equal(a.weights, c.weights)


def recorded_updates(monkeypatch, **kwargs):
    """Run the loop, recording (weights before, target, terminated) of every update."""
    calls = []
    real = train.semi_gradient_update

    def spy(weights, tiles, actions, rewards, next_tiles, terminated, alpha, gamma, target):
        calls.append((weights.copy(), target.copy(), np.asarray(terminated).copy()))
        return real(weights, tiles, actions, rewards, next_tiles, terminated, alpha, gamma, target)

    monkeypatch.setattr(train, "semi_gradient_update", spy)
    return linear_q_learning(**kwargs), calls


def test_the_target_network_is_frozen_between_syncs(monkeypatch):
    _, calls = recorded_updates(monkeypatch, steps=300, replay=True, batch_size=4, target_period=25)
    assert len(calls) == 300 - 3  # replay starts once 4 transitions are stored
    for k, (weights, target, _) in enumerate(calls):
        if k % 25 == 0:
            assert np.array_equal(target, weights)  # synced just before this update
        else:
            assert np.array_equal(target, calls[k - 1][1])  # unchanged since the last one
    assert not np.array_equal(calls[24][0], calls[24][1])  # the weights did move meanwhile


def test_without_a_target_network_the_target_is_the_current_weights(monkeypatch):
    _, calls = recorded_updates(monkeypatch, steps=100, replay=True, batch_size=4)
    assert all(np.array_equal(weights, target) for weights, target, _ in calls)


def test_only_reaching_the_goal_is_terminal(monkeypatch):
    # Online learning stores one transition per update: the episodes cut at 200 steps
    # (truncated) must be stored as not terminated; each shorter one ends terminated.
    result, calls = recorded_updates(monkeypatch, steps=3500, seed=1, alpha=1.0)
    flags = np.concatenate([t for _, _, t in calls])
    finished = result.lengths < 200
    assert 0 < finished.sum() < len(result.lengths)  # both kinds of episode happen
    assert flags.sum() == finished.sum()
    assert np.array_equal(np.flatnonzero(flags) + 1, result.steps[finished])
    assert (result.returns == -result.lengths).all()


def test_bad_settings_are_named():
    with pytest.raises(ValueError, match="steps must be >= 1"):
        linear_q_learning(0)
    with pytest.raises(ValueError, match="alpha must be in"):
        linear_q_learning(10, alpha=1.5)
    with pytest.raises(ValueError, match="batch_size = 8 must be <= capacity = 4"):
        linear_q_learning(10, replay=True, capacity=4, batch_size=8)
    with pytest.raises(ValueError, match="target_period must be >= 1"):
        linear_q_learning(10, target_period=0)
    with pytest.raises(TypeError, match="replay must be a bool"):
        linear_q_learning(10, replay="yes")


def test_the_lesson_05_modules_import_with_numpy_alone():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "for name in ('gymnasium', 'matplotlib', 'ipywidgets', 'IPython'):\n"
        "    sys.modules[name] = None\n"
        "from replay_lab.approx import linear, lockstep, measure, mountain_car, tiles, train\n"
        "result = lockstep.train_lockstep(2, 250, replay=True, batch_size=4)\n"
        "found = measure.failures(result.returns, result.max_abs_q, 1)\n"
        "print(result.returns.shape, found['diverged'])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "(2, 1) [False False]"
