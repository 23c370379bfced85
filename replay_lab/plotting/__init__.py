"""Plots for the notebooks, one module per kind of figure.

- :mod:`~replay_lab.plotting.curves`: learning curves with 95% bands over seeds, sweeps,
  first rewards, replay ages
- :mod:`~replay_lab.plotting.seeds`: each seed on its own (one curve, one final dot per seed)
- :mod:`~replay_lab.plotting.grids`: a Q-table on its grid world, paths on it
- :mod:`~replay_lab.plotting.trees`: the sum tree and sampling frequencies
- :mod:`~replay_lab.plotting.cliffwalk`: the Blind Cliffwalk chain and its result
- :mod:`~replay_lab.plotting.approx`: lesson 05, updates that share weights, seed by seed
- :mod:`~replay_lab.plotting.style`: the palette and axis labels they share

Every function takes results (arrays, :class:`~replay_lab.results.TrainResult`) and never
runs training; each draws on the ``ax`` it is given (or a new one) and returns the Axes so
that a teacher can restyle it. Colours come from the Okabe-Ito palette, which stays
distinguishable with the common forms of colour blindness.
"""

from replay_lab.plotting.approx import (
    plot_cosines,
    plot_episode_returns,
    plot_felt_elsewhere,
    plot_largest_q,
)
from replay_lab.plotting.cliffwalk import plot_chain, plot_updates_needed
from replay_lab.plotting.curves import plot_curves, plot_first_rewards, plot_replay_ages, plot_sweep
from replay_lab.plotting.grids import plot_paths, plot_q_table
from replay_lab.plotting.seeds import plot_seed_curves, plot_seed_finals
from replay_lab.plotting.style import PALETTE
from replay_lab.plotting.trees import plot_sampling_frequencies, plot_sum_tree

# Re-exported for callers from before the band moved to replay_lab.stats.
from replay_lab.stats import confidence_band

__all__ = [
    "PALETTE",
    "confidence_band",
    "plot_chain",
    "plot_cosines",
    "plot_curves",
    "plot_episode_returns",
    "plot_felt_elsewhere",
    "plot_first_rewards",
    "plot_largest_q",
    "plot_paths",
    "plot_q_table",
    "plot_replay_ages",
    "plot_sampling_frequencies",
    "plot_seed_curves",
    "plot_seed_finals",
    "plot_sum_tree",
    "plot_sweep",
    "plot_updates_needed",
]
