"""Each layer of the comparison catches the mistake it is for, and says so.

One small wrong implementation per layer: callable, type, dtype, shape,
autograd state, values, side effects; plus the student's own exception. Graded
messages (`grade`) say what went wrong without a value; the details (the call, the
values) come in a student's practice (`practice`), on the public inputs.
"""
import pytest

from conftest import public_case


def test_callable_layer_a_name_that_is_not_a_function(grade):
    results = grade("03_sigmoid_loss", "sigmoid = 0.5\n")
    message = results["sigmoid_matches_reference"].message
    assert "sigmoid is a float, not a function" in message


def test_callable_layer_a_misnamed_function(grade):
    results = grade("03_sigmoid_loss", "def sigmoidd(x):\n    return 1 / (1 + torch.exp(-x))\n")
    assert "sigmoid is not defined" in results["sigmoid_matches_reference"].message


LIST = """
    def linear1(xb, weights, bias):
        return (xb @ weights + bias).tolist()
"""


def test_type_layer_a_list_instead_of_a_tensor(grade, practice):
    assert grade("02_predict", LIST)["linear1_matches_reference"].message.startswith(
        "linear1 returned a list, not a tensor\n")
    n = len(public_case("02_predict", "linear1").inputs["xb"])
    message = practice("02_predict", LIST)["linear1_matches_reference"].message
    assert "returned list" in message and "expected a torch.Tensor" in message
    assert f"\nlinear1(xb, weights, bias) with xb = a ({n}, 784) float32 tensor" in message


def test_dtype_layer_float64(grade):
    results = grade("03_sigmoid_loss", """
        def sigmoid(x):
            return 1 / (1 + torch.exp(-x.double()))
    """)
    message = results["sigmoid_matches_reference"].message
    assert message.startswith("sigmoid returned a float64 tensor; expected float32")


def test_shape_layer_a_flat_vector_instead_of_a_column(practice):
    results = practice("02_predict", """
        def linear1(xb, weights, bias):
            return (xb @ weights + bias).view(-1)
    """)
    n = len(public_case("02_predict", "linear1").inputs["xb"])
    message = results["linear1_returns_a_column_of_scores"].message
    assert message.startswith("linear1 returned a tensor of the wrong shape\n")
    assert f"shape ({n},); expected shape ({n}, 1)" in message


def test_shape_layer_targets_flattened_build_a_table(practice):
    results = practice("03_sigmoid_loss", """
        def mnist_loss(predictions, targets):
            predictions = predictions.sigmoid()
            return torch.where(targets.view(-1) == 1, 1 - predictions, predictions)
    """)
    n = len(public_case("03_sigmoid_loss", "mnist_loss").inputs["predictions"])
    message = results["mnist_loss_returns_a_scalar"].message
    assert f"of shape ({n}, {n})" in message and "0-dim tensor" in message


def test_autograd_layer_requires_grad_before_scaling_is_not_a_leaf(practice):
    results = practice("01_init", """
        def init_params(size, std=1.0):
            return torch.randn(size).requires_grad_() * std
    """)
    message = results["init_params_is_a_leaf_that_requires_grad"].message
    assert "not a leaf" in message and "MulBackward0" in message and "requires_grad_() last" in message
    assert results["init_params_returns_float32_tensor"].passed


def test_autograd_layer_a_detached_prediction(grade):
    results = grade("02_predict", """
        def linear1(xb, weights, bias):
            return (xb @ weights + bias).detach()
    """)
    assert results["linear1_matches_reference"].passed
    message = results["linear1_keeps_the_gradient"].message
    assert "does not require grad" in message


def test_values_layer_names_the_largest_error_and_where(practice):
    results = practice("03_sigmoid_loss", """
        def sigmoid(x):
            return 1 / (1 + torch.exp(x))
    """)
    message = results["sigmoid_matches_reference"].message
    assert "the largest error is" in message and "at index (" in message
    assert "tolerance" in message


def test_side_effect_layer_an_input_changed_in_place(grade):
    results = grade("03_sigmoid_loss", """
        def mnist_loss(predictions, targets):
            predictions = predictions.sigmoid_()
            return torch.where(targets == 1, 1 - predictions, predictions).mean()
    """)
    assert results["mnist_loss_matches_reference"].passed
    message = results["mnist_loss_leaves_its_inputs_unchanged"].message
    assert message.startswith("mnist_loss changes its inputs in place: predictions holds other values after the call")


def test_a_function_that_does_nothing_earns_no_point_for_leaving_its_inputs_alone(grade):
    results = grade("03_sigmoid_loss", "def mnist_loss(predictions, targets):\n    return torch.tensor(0.5)\n")
    assert not results["mnist_loss_leaves_its_inputs_unchanged"].passed


def test_a_student_exception_is_a_failed_check_with_their_line(grade, practice):
    assert grade("05_step", """
        def step(params, lr):
            for p in params:
                p -= lr * p.grad
    """)["step_updates_the_parameters_in_place"].message.startswith("step raised RuntimeError\n")
    results = practice("05_step", """
        def step(params, lr):
            for p in params:
                p -= lr * p.grad
    """)
    message = results["step_updates_the_parameters_in_place"].message
    assert message.startswith("step raised RuntimeError\n")
    assert "RuntimeError: a leaf Variable that requires grad" in message
    assert "line 4, in step: p -= lr * p.grad" in message
    assert "autograder" not in message and "site-packages" not in message


def test_a_rebound_name_updates_nothing(grade):
    results = grade("05_step", """
        def step(params, lr):
            for p in params:
                p = p - lr * p.grad
    """)
    message = results["step_updates_the_parameters_in_place"].message
    assert "still holds its old values" in message and "p = p - lr * p.grad" in message


@pytest.mark.parametrize("source, failing", [
    ("def init_params(size, std=1.0):\n    return torch.rand(size).mul(std).requires_grad_()\n",
     {"init_params_is_normal_with_std", "init_params_draws_from_torch_global_generator",
      "init_params_scales_by_std"}),
    ("def init_params(size, std=1.0):\n    return torch.randn(size).requires_grad_()\n",
     {"init_params_is_normal_with_std", "init_params_scales_by_std"}),
])
def test_a_mistake_loses_exactly_its_checks(grade, source, failing):
    results = grade("01_init", source)
    assert {i for i, r in results.items() if not r.passed} == failing


@pytest.mark.parametrize("assignment, source, check_id, says", [
    ("04_calc_grad", "def calc_grad(xb, yb, model):\n    loss = mnist_loss(yb, model(xb))\n    loss.backward()\n",
     "calc_grad_matches_reference", "the arguments are in the wrong order"),
    ("02_predict", "def linear1(xb, weights, bias):\n    return weights @ xb + bias\n",
     "linear1_matches_reference", "(N, 784) @ (784, 1) needs the inner sizes to agree"),
    ("05_step", "class BasicOptim:\n    def __init__(self, params, lr):\n        self.params, self.lr = list(params), lr\n"
                "    def step(self):\n        for p in self.params:\n            p.sub_(self.lr * p.grad)\n"
                "    def zero_grad(self):\n        pass\n",
     "BasicOptim_step_updates_the_parameters", "inside `with torch.no_grad():`"),
    ("02_predict", "def linear1(xb, weights, bias):\n    return xb.double() @ weights + bias\n",
     "linear1_matches_reference", "keep everything float32"),
])
def test_common_pytorch_errors_get_a_hint_in_the_students_terms(grade, assignment, source, check_id, says):
    message = grade(assignment, source)[check_id].message
    first, hint = message.splitlines()[:2]
    assert " raised " in first and says in hint, message
