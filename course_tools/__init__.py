"""The course's own tools, for its maintainers: nbgrader course folders, the release, the demo
class, running notebooks. They need this repository (source/, solutions/) and are not in the
wheel students install; `python -m autograder` imports them only for the commands that use them.
"""
