"""Class grading: `python -m autograder grade`, every submission of a course in parallel.

`grade` runs nbgrader's autograde over the class while `jobs` grade its notebooks ahead in
warm workers, sent by `executors` to local processes or a Dask cluster (`cluster_tls`), with
`progress` on the terminal. Imports from the layers below it.
"""
