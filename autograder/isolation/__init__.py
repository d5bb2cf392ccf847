"""Isolation: running student code where it can harm nothing.

`confine` locks a process down (no network, no writes outside its folder, no secrets),
`worker` is that process's life, `zygote` forks warm workers, `sandbox` is the grader's end of
the pipe, and `runner` grades a submission's checks through it. Imports only from core.
"""
