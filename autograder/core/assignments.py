"""The seven assignments and the functions a student writes in each.

One name per concept: these ids are the nbgrader assignment ids, the notebook
names, and (without the number) the module names in `solutions/` and
`autograder/core/checks/`.
"""

FUNCTIONS = {
    "01_init": ("init_params",),
    "02_predict": ("linear1", "raw_accuracy"),
    "03_sigmoid_loss": ("sigmoid", "mnist_loss"),
    "04_calc_grad": ("calc_grad",),
    "05_step": ("step", "BasicOptim"),
    "06_epoch_loop": ("train_epoch", "batch_accuracy", "validate_epoch", "train_model"),
    "07_relu_net": ("simple_net", "train_simple_net", "make_simple_net", "make_learner"),
}
ASSIGNMENTS = tuple(FUNCTIONS)


class UnknownAssignment(ValueError):
    """An assignment id that is not one of ASSIGNMENTS."""

    def __init__(self, assignment: str):
        super().__init__(
            f"unknown assignment {assignment!r}: choose one of {', '.join(ASSIGNMENTS)}"
        )


def module_name(assignment: str) -> str:
    """'03_sigmoid_loss' -> 'sigmoid_loss', the module of this step in solutions/ and checks/."""
    if assignment not in FUNCTIONS:
        raise UnknownAssignment(assignment)
    return assignment.split("_", 1)[1]


def earlier(assignment: str) -> tuple[str, ...]:
    """The assignments before `assignment`, whose functions a student may rely on."""
    module_name(assignment)  # validates
    return ASSIGNMENTS[: ASSIGNMENTS.index(assignment)]
