"""The core: what a check is and how it judges, with no process of its own.

The assignments and their functions, the checks (`checks/`), the reference cases, the
comparison layers and snapshots of values, the diagnosis that names a known mistake, and the
student side: `student` runs beside the student's code, `student_side` asks it from the
grader, through the messages of `transport`. Imports nothing from the other layers (the
libraries the course uses, and solutions/ for the reference cases, only).
"""
