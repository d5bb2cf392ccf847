"""Reference implementations of the seven steps, one module per assignment.

The module of assignment `NN_name` is `solutions.name` (`03_sigmoid_loss` is
`solutions.sigmoid_loss`). The autograder's reference tensors are computed from
these functions (`python -m autograder references`); a test proves they agree.
This package is for instructors: it is never part of what a student receives.
"""
