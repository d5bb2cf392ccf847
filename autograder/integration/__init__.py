"""Integration with the tools students and instructors use.

nbgrader's preprocessors (`sandboxed_execute`, `repair_cells`, `links`), the speed-ups and
offline sanitizing that class grading shares with them, the notebook's check()/grade()
(`feedback`), and the pytest plugin. Imports from core and isolation.
"""
