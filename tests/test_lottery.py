"""The lottery world, and the claim notebook 03 makes with it: on a stochastic world
prioritized replay without correction (beta = 0) biases Q, and beta = 1 (fixed or reached by
annealing) removes the bias, measured against Q* over fixed seeds."""

import math

import numpy as np
import pytest

import replay_lab as rl
from replay_lab.envs import make_lottery
from replay_lab.envs.lottery import SURE, TICKET
from replay_lab.stats import confidence_band
from tests.stats import ALPHA, chi_square_p


def test_q_star_is_the_sure_reward_and_the_tickets_mean():
    q_star = rl.value_iteration(make_lottery(sure=1.0, prize=8.0, chance=0.1), gamma=1.0)
    np.testing.assert_allclose(q_star, [[1.0, 0.8], [0.0, 0.0]])


def test_the_ticket_pays_the_prize_as_often_as_it_says():
    env = make_lottery(prize=8.0, chance=0.1)
    env.reset(seed=0)
    rewards = []
    for _ in range(20_000):
        env.reset()
        s, r, terminated, truncated, _ = env.step(TICKET)
        assert (s, terminated, truncated) == (1, True, False)
        rewards.append(r)
    counts = np.array([rewards.count(0.0), rewards.count(8.0)])
    assert counts.sum() == 20_000
    assert chi_square_p(counts, [0.9, 0.1]) > ALPHA
    env.reset()
    assert env.step(SURE)[1] == 1.0


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [(dict(chance=0.0), ValueError), (dict(chance=1.0), ValueError),
     (dict(prize="8"), TypeError), (dict(sure=math.nan), ValueError)],
)  # fmt: skip
def test_bad_settings_are_named(kwargs, error):
    with pytest.raises(error, match=next(iter(kwargs))):
        make_lottery(**kwargs)


def uncorrected_fixed_point(sure_chance: float, prize: float, omega: float) -> float:
    """Where Q of the ticket stops moving under beta = 0, by bisection (an independent
    computation): sampling with P proportional to |delta|^omega, the expected update
    sum_i P(i) delta_i is 0 where (1 - c) Q^(1 + omega) = c (prize - Q)^(1 + omega)."""
    low, high = 0.0, prize
    for _ in range(100):
        q = (low + high) / 2
        drift = sure_chance * (prize - q) ** (1 + omega) - (1 - sure_chance) * q ** (1 + omega)
        low, high = (q, high) if drift > 0 else (low, q)
    return q


# The notebook's setup: random behaviour (every run sees the same transitions for a seed),
# a buffer that keeps them all, 32 seeds.
STEPS = 500
SETUP = dict(steps=STEPS, alpha=0.02, gamma=1.0, epsilon=1.0, capacity=STEPS, batch_size=8)
PRIORITIZED = dict(replay="proportional", priority_exponent=0.6)


def ticket_bias(**kwargs) -> tuple[float, float]:
    runs = rl.run_seeds(make_lottery(), seeds=32, **SETUP, **kwargs)
    mean, _, high = confidence_band(runs.q[:, 0, TICKET] - 0.8)
    return float(mean), float(high - mean)


def test_uncorrected_prioritized_replay_overvalues_the_ticket_and_beta_1_does_not():
    predicted = uncorrected_fixed_point(0.1, 8.0, 0.6) - 0.8
    assert predicted == pytest.approx(0.817, abs=1e-3)  # worked by hand: 8 / (1 + 9^0.625)
    biased, half = ticket_bias(**PRIORITIZED, beta=0.0)
    assert biased - half > predicted / 2  # a bias, and of the size the fixed point predicts
    assert biased + half > predicted * 0.9
    for beta in (1.0, rl.LinearSchedule(0.4, 1.0, STEPS)):
        corrected, half = ticket_bias(**PRIORITIZED, beta=beta)
        assert abs(corrected) < half  # the 95% interval holds 0
        # Power: the interval is narrow enough to see a bias a quarter of beta = 0's.
        assert half < predicted / 4
    uniform, half = ticket_bias(replay="uniform")
    assert abs(uniform) < half
