"""replay_lab.plotting as a package: every name the notebooks use, the colour-blind palette."""

import re
from pathlib import Path

import pytest

from replay_lab import plotting
from replay_lab.plotting.style import PALETTE

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").rglob("*.ipynb"))

# Okabe & Ito (2008), "Color Universal Design", in their order.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")


@pytest.mark.parametrize("name", plotting.__all__)
def test_every_public_name_resolves(name):
    assert getattr(plotting, name) is not None


def test_every_name_the_notebooks_use_resolves():
    used = {name for path in NOTEBOOKS for name in re.findall(r"plotting\.(\w+)", path.read_text())}
    assert "plot_curves" in used  # the search finds the calls
    assert sorted(name for name in used if not hasattr(plotting, name)) == []


def test_palette_is_okabe_ito():
    assert plotting.PALETTE == PALETTE == OKABE_ITO
