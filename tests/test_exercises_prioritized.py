"""The checks of notebook 03 accept the worked answers and reject the typical wrong ones."""

import numpy as np
import pytest

from replay_lab import SumTree
from replay_lab.exercises import (
    SumTreeExercise,
    check_probabilities,
    check_sampling,
    check_sum_tree,
)
from replay_lab.exercises.prioritized import chi_square_limit
from tests.stats import chi2_sf

# The sum tree: the worked answer and the usual mistakes.


class RightTree(SumTreeExercise):
    def update(self, index, value):
        node = self.first_leaf + index
        self.nodes[node] = value
        while node > 1:
            node //= 2
            self.nodes[node] = self.nodes[2 * node] + self.nodes[2 * node + 1]

    def find(self, u):
        node = 1
        while node < self.first_leaf:
            left = 2 * node
            if u >= self.nodes[left] and self.nodes[left + 1] > 0:
                u -= self.nodes[left]
                node = left + 1
            else:
                node = left
        return node - self.first_leaf


class UpdateAdds(RightTree):
    def update(self, index, value):
        node = self.first_leaf + index
        self.nodes[node] += value
        while node > 1:
            node //= 2
            self.nodes[node] = self.nodes[2 * node] + self.nodes[2 * node + 1]


class AddsAlongThePath(RightTree):  # the difference, but the value itself is added
    def update(self, index, value):
        node = self.first_leaf + index
        while node >= 1:
            self.nodes[node] += value
            node //= 2


class ParentsNotUpdated(RightTree):
    def update(self, index, value):
        self.nodes[self.first_leaf + index] = value


class OnlyTheParent(RightTree):
    def update(self, index, value):
        node = self.first_leaf + index
        self.nodes[node] = value
        if node > 1:
            self.nodes[node // 2] = self.nodes[node] + self.nodes[node ^ 1]


class StrictBoundary(RightTree):  # goes right only when u > left: off by one at a boundary
    def find(self, u):
        node = 1
        while node < self.first_leaf:
            left = 2 * node
            if u > self.nodes[left] and self.nodes[left + 1] > 0:
                u -= self.nodes[left]
                node = left + 1
            else:
                node = left
        return node - self.first_leaf


class IntoEmptySubtrees(RightTree):  # forgets that a right subtree may hold only zeros
    def find(self, u):
        node = 1
        while node < self.first_leaf:
            left = 2 * node
            if u >= self.nodes[left]:
                u -= self.nodes[left]
                node = left + 1
            else:
                node = left
        return node - self.first_leaf


class ForgetsToSubtract(RightTree):
    def find(self, u):
        node = 1
        while node < self.first_leaf:
            left = 2 * node
            node = left + 1 if u >= self.nodes[left] and self.nodes[left + 1] > 0 else left
        return node - self.first_leaf


class ReturnsTheNode(RightTree):
    def find(self, u):
        return super().find(u) + self.first_leaf


class UpdateStub(SumTreeExercise):
    pass


class FindStub(RightTree):
    def find(self, u):
        raise NotImplementedError


def test_the_right_tree_agrees_with_the_library():
    # The worked answer itself, against SumTree (so the checker's reference is sound).
    rng = np.random.default_rng(1)
    for capacity in (1, 3, 8, 13):
        mine, library = RightTree(capacity), SumTree(capacity)
        for _ in range(50):
            i, v = int(rng.integers(capacity)), float(rng.integers(0, 4))
            mine.update(i, v)
            library[i] = v
            np.testing.assert_array_equal(mine.nodes, library.nodes())
            if library.total > 0:
                u = float(rng.uniform(0, library.total))
                assert mine.find(u) == library.find([u])[0]


def test_sum_tree_check_accepts_the_worked_answer():
    verdict = check_sum_tree(RightTree)
    assert verdict.status == "correct" and verdict


def test_sum_tree_check_says_not_done_yet_for_each_stub():
    assert check_sum_tree(UpdateStub).status == "not done yet"
    assert "update" in check_sum_tree(UpdateStub).message
    verdict = check_sum_tree(FindStub)
    assert verdict.status == "not done yet" and "find" in verdict.message


@pytest.mark.parametrize(
    ("wrong", "words"),
    [
        (UpdateAdds, "not add it"),
        (AddsAlongThePath, "not add it"),
        (ParentsNotUpdated, "must be recomputed, up to the root"),
        (OnlyTheParent, "must be recomputed, up to the root"),
        (StrictBoundary, "holds its left end"),
        (IntoEmptySubtrees, "must never be found"),
        (ForgetsToSubtract, "expected leaf"),
        (ReturnsTheNode, "expected leaf"),
    ],
    ids=lambda x: getattr(x, "__name__", x),
)
def test_sum_tree_check_rejects_typical_mistakes_and_says_why(wrong, words):
    verdict = check_sum_tree(wrong)
    assert verdict.status == "not right yet" and not verdict
    assert words in verdict.message, verdict.message


def test_checks_name_a_wrong_kind_of_argument():
    for wrong in (RightTree(4), object, SumTree):
        with pytest.raises(TypeError, match="tree_class"):
            check_sum_tree(wrong)
    with pytest.raises(TypeError, match="student"):
        check_sampling(None)


def test_sum_tree_check_reports_update_before_find():
    class BothWrong(StrictBoundary):
        update = ParentsNotUpdated.update

    assert "recomputed" in check_sum_tree(BothWrong).message
    assert "find(" in check_sum_tree(StrictBoundary).message  # update right: find is checked


# The probabilities P(i).


def right_probabilities(td_errors, omega, floor):
    p = (np.abs(td_errors) + floor) ** omega
    return p / p.sum()


def no_absolute_value(td_errors, omega, floor):
    p = np.maximum(td_errors + floor, 1e-12) ** omega
    return p / p.sum()


def floor_forgotten(td_errors, omega, floor):
    p = np.abs(td_errors) ** omega
    return p / p.sum() if p.sum() > 0 else np.full(len(p), 1 / len(p))


def exponent_on_the_sum(td_errors, omega, floor):
    p = np.abs(td_errors) + floor
    return (p / p.sum()) ** omega


def priorities_not_probabilities(td_errors, omega, floor):
    return (np.abs(td_errors) + floor) ** omega


def stub(*args):
    raise NotImplementedError


def test_probabilities_check():
    assert check_probabilities(stub).status == "not done yet"
    assert check_probabilities(right_probabilities)
    for wrong in (no_absolute_value, floor_forgotten, exponent_on_the_sum,
                  priorities_not_probabilities):  # fmt: skip
        verdict = check_probabilities(wrong)
        assert verdict.status == "not right yet", wrong.__name__
        assert "expected" in verdict.message


# Sampling a stratified batch with its importance-sampling weights.


def stratified_prefixes(total, batch_size, rng):
    return (np.arange(batch_size) + rng.random(batch_size)) * (total / batch_size)


def right_sample(probabilities, batch_size, beta, rng):
    running = np.cumsum(probabilities)
    u = stratified_prefixes(running[-1], batch_size, rng)
    indices = np.minimum(np.searchsorted(running, u, side="right"), len(probabilities) - 1)
    w = (len(probabilities) * probabilities[indices]) ** -beta
    return indices, w / w.max()


def with_the_library_tree(probabilities, batch_size, beta, rng):  # another right answer
    tree = SumTree(len(probabilities))
    tree.update(np.arange(len(probabilities)), probabilities)
    indices = tree.find(np.minimum(stratified_prefixes(tree.total, batch_size, rng), tree.total))
    p = tree[indices] / tree.total
    w = (len(probabilities) * p) ** -beta
    return indices, w / w.max()


def weights_by_the_sum(probabilities, batch_size, beta, rng):
    indices, _ = right_sample(probabilities, batch_size, beta, rng)
    w = (len(probabilities) * probabilities[indices]) ** -beta
    return indices, w / w.sum()


def beta_sign_wrong(probabilities, batch_size, beta, rng):
    indices, _ = right_sample(probabilities, batch_size, beta, rng)
    w = (len(probabilities) * probabilities[indices]) ** beta
    return indices, w / w.max()


def weights_not_normalised(probabilities, batch_size, beta, rng):
    indices, _ = right_sample(probabilities, batch_size, beta, rng)
    return indices, (len(probabilities) * probabilities[indices]) ** -beta


def buffer_wide_maximum(probabilities, batch_size, beta, rng):
    indices, _ = right_sample(probabilities, batch_size, beta, rng)
    return indices, (probabilities.min() / probabilities[indices]) ** beta


def not_stratified(probabilities, batch_size, beta, rng):
    indices = rng.choice(len(probabilities), size=batch_size, p=probabilities)
    w = (len(probabilities) * probabilities[indices]) ** -beta
    return indices, w / w.max()


def uniform_indices(probabilities, batch_size, beta, rng):  # weights right, sampling ignored
    indices = (np.arange(batch_size) + int(rng.integers(len(probabilities)))) % len(probabilities)
    w = (len(probabilities) * probabilities[indices]) ** -beta
    return indices, w / w.max()


def off_by_one_search(probabilities, batch_size, beta, rng):  # the slice to the right
    running = np.cumsum(probabilities)
    u = stratified_prefixes(running[-1], batch_size, rng)
    indices = np.minimum(np.searchsorted(running, u, side="right") + 1, len(probabilities) - 1)
    w = (len(probabilities) * probabilities[indices]) ** -beta
    return indices, w / w.max()


def test_sampling_check_accepts_right_answers():
    for right in (right_sample, with_the_library_tree):
        verdict = check_sampling(right)
        assert verdict.status == "correct" and verdict, verdict.message
    assert check_sampling(stub).status == "not done yet"


@pytest.mark.parametrize(
    ("wrong", "words"),
    [
        (weights_by_the_sum, "not by their sum"),
        (beta_sign_wrong, "the exponent is -beta"),
        (weights_not_normalised, "so that it is 1"),
        (buffer_wide_maximum, "largest weight of the batch"),
        (not_stratified, "stratified"),
        (uniform_indices, "chi-square"),
        (off_by_one_search, "chi-square"),
    ],
    ids=lambda x: getattr(x, "__name__", x),
)
def test_sampling_check_rejects_typical_mistakes_and_says_why(wrong, words):
    verdict = check_sampling(wrong)
    assert verdict.status == "not right yet" and not verdict
    assert words in verdict.message, verdict.message


def test_the_chi_square_limit_is_the_tail_it_claims():
    # Independent computation: simulated chi-square statistics of right multinomial draws.
    rng = np.random.default_rng(0)
    for dof in (3, 4, 9):
        samples = (rng.standard_normal((200_000, dof)) ** 2).sum(axis=1)
        assert np.mean(samples > chi_square_limit(dof)) < 1e-4
        assert np.mean(samples > chi_square_limit(dof, z=1.645)) == pytest.approx(0.05, abs=0.01)


def test_the_chi_square_check_has_the_power_to_see_a_small_error():
    # Power check: 8,000 draws from probabilities 3 percentage points off in two places
    # exceed the limit in (almost) every one of 2,000 simulated runs.
    rng = np.random.default_rng(1)
    p = np.array([0.05, 0.1, 0.15, 0.2, 0.5])
    wrong = np.array([0.08, 0.1, 0.15, 0.2, 0.47])
    counts = rng.multinomial(8000, wrong, size=2000)
    statistics = ((counts - 8000 * p) ** 2 / (8000 * p)).sum(axis=1)
    assert np.mean(statistics > chi_square_limit(len(p) - 1)) > 0.99


def test_the_chi_square_limit_against_the_exact_tail():
    # The exact upper tail of tests/stats.py (the incomplete gamma function) at the limit.
    for dof in (1, 3, 4, 9, 20):
        assert 1e-7 < chi2_sf(chi_square_limit(dof), dof) < 2e-6  # about 1e-6, as it says
