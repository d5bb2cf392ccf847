"""The reference solutions: full marks on every check, and they really learn 2 vs 9."""
import random

import pytest
import torch

from autograder.core import data
from autograder.core.assignments import ASSIGNMENTS
from autograder.cli import grade_file, solution_submission
from catalog import shared_zygote


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_solutions_pass_every_check_with_full_marks(assignment, tmp_path):
    results = grade_file(assignment, solution_submission(assignment, tmp_path), zygote=shared_zygote())
    failed = {r.id: r.message for r in results if not r.passed}
    assert not failed
    assert sum(r.points for r in results) == sum(r.max_points for r in results) > 0
    assert any(r.hidden for r in results) and any(not r.hidden for r in results)


def test_the_linear_model_reaches_097_with_the_hand_written_loop():
    from solutions.epoch_loop import train_model
    from solutions.init import init_params
    from solutions.predict import linear1

    mnist = data.load()
    torch.manual_seed(42)
    weights, bias = init_params((784, 1)), init_params(1)
    accuracies = train_model(lambda xb: linear1(xb, weights, bias), 1.0, [weights, bias],
                             data.batches(mnist.train_x, mnist.train_y),
                             data.batches(mnist.valid_x, mnist.valid_y), 20)
    assert len(accuracies) == 20
    assert accuracies[-1] >= 0.97


def test_simple_net_through_make_learner_reaches_098():
    from solutions.relu_net import make_learner, make_simple_net

    torch.manual_seed(42)
    random.seed(42)
    learn = make_learner(data.dataloaders(), make_simple_net())
    with learn.no_logging():
        learn.fit(40, 0.1)
    accuracy = learn.validate()[1]
    assert accuracy >= 0.98
