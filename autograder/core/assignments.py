"""The seven assignments and the functions a student writes in each, in two editions.

One name per concept: these ids are the nbgrader assignment ids, the notebook
names, and (without the number) the module names in `solutions/` and
`autograder/core/checks/`. Each assignment also has a Chinese edition (中文版), the same
notebook in Chinese, with its own nbgrader id: the assignment's id and `_zh` (`03_sigmoid_loss_zh`).
An edition is graded by its assignment's checks: `edition()` turns an nbgrader id into both.
"""
from autograder.core.messages import LANGUAGES, say, translations  # a language, an edition

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


def edition_id(assignment: str, language: str) -> str:
    """The nbgrader id of an assignment's edition: '03_sigmoid_loss', 'zh' -> '03_sigmoid_loss_zh'."""
    return assignment if language == "en" else f"{assignment}_{language}"


COURSE_ASSIGNMENTS = tuple(edition_id(a, language) for language in LANGUAGES for a in ASSIGNMENTS)


class UnknownAssignment(ValueError):
    """An assignment id that is not one of ASSIGNMENTS."""

    def __init__(self, assignment: str):
        super().__init__(say("unknown assignment {assignment!r}: choose one of {choices} (or its Chinese "
                             "edition, ID_zh)", assignment=assignment, choices=", ".join(ASSIGNMENTS)))


def edition(nbgrader_id: str) -> tuple[str, str]:
    """The assignment and the language of an nbgrader id: '03_sigmoid_loss_zh' -> ('03_sigmoid_loss',
    'zh'); '03_sigmoid_loss' -> ('03_sigmoid_loss', 'en'). Raises UnknownAssignment."""
    for language in LANGUAGES:
        for assignment in ASSIGNMENTS:
            if edition_id(assignment, language) == nbgrader_id:
                return assignment, language
    raise UnknownAssignment(nbgrader_id)


def module_name(assignment: str) -> str:
    """'03_sigmoid_loss' -> 'sigmoid_loss', the module of this step in solutions/ and checks/."""
    if assignment not in FUNCTIONS:
        raise UnknownAssignment(assignment)
    return assignment.split("_", 1)[1]


def earlier(assignment: str) -> tuple[str, ...]:
    """The assignments before `assignment`, whose functions a student may rely on."""
    module_name(assignment)  # validates
    return ASSIGNMENTS[: ASSIGNMENTS.index(assignment)]


translations("zh", {
    "unknown assignment {assignment!r}: choose one of {choices} (or its Chinese edition, ID_zh)":
        "没有作业 {assignment!r}：请从 {choices} 中选择一个（或它的中文版，ID_zh）",
})
