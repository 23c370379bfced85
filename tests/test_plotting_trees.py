"""The sum tree drawing shows the tree's own sums and highlights exactly its search path;
the sampling-frequency plot shares one diagonal."""

import matplotlib
import numpy as np
import pytest
from matplotlib.colors import to_rgba

from replay_lab.plotting.style import PALETTE
from replay_lab.plotting.trees import plot_sampling_frequencies, plot_sum_tree
from replay_lab.sumtree import SumTree

matplotlib.use("Agg")


def node_boxes(ax) -> dict[int, object]:
    """The drawn node texts by node number (their gid is "node k")."""
    return {
        int(t.get_gid().split()[1]): t for t in ax.texts if (t.get_gid() or "").startswith("node ")
    }


@pytest.mark.parametrize(("capacity", "prefix"), [(8, 5.2), (6, 0.0), (6, 7.9), (1, 0.3)])
def test_sum_tree_drawing_shows_the_nodes_and_highlights_the_search_path(capacity, prefix):
    tree = SumTree(capacity)
    tree.update(np.arange(capacity), [3.0, 1.0, 0.5, 2.0, 4.0, 1.5, 0.25, 0.75][:capacity])
    boxes = node_boxes(plot_sum_tree(tree, prefix=prefix))
    sums = tree.nodes()
    # Every node down to the last real leaf, none of the padding leaves past the capacity.
    assert sorted(boxes) == list(range(1, 2**tree.depth + capacity))
    assert {k: box.get_text() for k, box in boxes.items()} == {k: f"{sums[k]:.3g}" for k in boxes}
    orange = to_rgba(PALETTE[1])
    highlighted = {k for k, box in boxes.items() if box.get_bbox_patch().get_facecolor() == orange}
    assert highlighted == set(tree.search_path(prefix))


def test_sum_tree_drawing_follows_the_search_for_a_known_prefix():
    tree = SumTree(8)
    tree.update(np.arange(8), [3.0, 1.0, 0.5, 2.0, 4.0, 1.5, 0.25, 0.75])
    assert tree.search_path(5.2) == [1, 2, 5, 11]  # root, left, right, right: leaf 3
    ax = plot_sum_tree(tree, prefix=5.2)
    assert ax.get_title()
    assert sum(line.get_color() == PALETTE[3] for line in ax.lines) == 3  # edges on the path


def test_sum_tree_drawing_is_for_small_trees():
    with pytest.raises(ValueError, match="at most 32 leaves"):
        plot_sum_tree(SumTree(33))


def test_sampling_frequency_plots_share_one_diagonal():
    ax = plot_sampling_frequencies(np.array([0.5, 0.5]), np.array([5, 5]), label="a")
    plot_sampling_frequencies(np.array([0.2, 0.8]), np.array([2, 8]), ax=ax, label="b")
    assert [line.get_label() for line in ax.lines].count("y = x") == 1
    assert ax.get_xlabel() and ax.get_ylabel()


def test_sampling_frequency_diagonal_comes_first_and_log_axes_keep_small_points():
    ax = plot_sampling_frequencies(np.array([0.001, 0.999]), np.array([1, 999]), label="a",
                                   log=True)  # fmt: skip
    plot_sampling_frequencies(np.array([0.25, 0.75]), np.array([3, 9]), ax=ax, label="b", log=True)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["y = x", "a", "b"]
    low, high = ax.get_xlim()
    assert ax.get_xscale() == "log" and low == pytest.approx(0.0005) and high > 0.999


def test_sum_tree_drawing_shows_what_is_left_of_u_and_every_leaf_slice():
    tree = SumTree(8)
    tree.update(np.arange(8), [3.0, 1.0, 0.5, 2.0, 4.0, 1.5, 0.25, 0.75])
    ax = plot_sum_tree(tree, prefix=5.2)
    # by hand: 5.2 < 6.5 left; 5.2 >= 4 right, 1.2 left; 1.2 >= 0.5 right, 0.7 left
    assert [t.get_text() for t in ax.texts if t.get_gid() == "u"] == [
        "u = 5.2", "u = 5.2", "u = 1.2", "u = 0.7"
    ]  # fmt: skip
    slices = {t.get_gid(): t.get_text() for t in ax.texts if "slice" in (t.get_gid() or "")}
    assert slices["slice 0"] == "i = 0\n[0, 3)"
    assert slices["slice 3"] == "i = 3\n[4.5, 6.5)"
    assert slices["slice 7"] == "i = 7\n[12.2, 13)"  # 3 significant digits
