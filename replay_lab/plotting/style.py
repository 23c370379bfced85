"""What every figure shares: the colour-blind-safe palette and the names of the axes."""

from __future__ import annotations

__all__ = ["AXIS_LABELS", "PALETTE"]

# Okabe & Ito (2008), "Color Universal Design": blue, orange, green, vermillion, purple,
# sky blue, yellow, black. They stay distinguishable with the common forms of colour
# blindness.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")

# Axis label of each TrainResult array a curve can be drawn against.
AXIS_LABELS = {
    "episodes": "episode",
    "steps": "environment steps",
    "updates": "transition updates",
    "q_errors": "RMS error of Q vs Q*",
    "returns": "return per episode",
    "lengths": "episode length (steps)",
    "greedy_values": "value of the greedy policy at the start",
}
