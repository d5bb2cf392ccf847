"""Two caches for nbgrader's own per-notebook work, used by `python -m autograder grade` only.

When the students' code runs in parallel, nbgrader's recording of each notebook, one
after the other in one process, becomes the slowest part (about 0.15 s a notebook
here); each local grading process also runs nbgrader's sanitizing for every job it
takes (`jobs.warm` keeps these caches for its life). Two things nbgrader repeats for
every notebook cost nothing to keep:

- an SQLAlchemy engine: every `Gradebook(...)` (nine per notebook) creates a new
  engine, so SQLAlchemy compiles each query again. One engine per database URL
  keeps its compiled queries; the sessions, and so the data, are unchanged.
- a checked JSON schema: `jsonschema.validate` checks nbgrader's cell-metadata schema
  itself before each of the notebook's cells. Checking it once gives the very same
  validation (the same validator class, the same errors).

Both only change what is computed again, never what is computed: the test of
identical gradebooks covers this. tests/test_nbgrader_speed.py fails when nbgrader
moves either thing patched here; this module then patches nothing.
"""
from __future__ import annotations

from contextlib import contextmanager


@contextmanager
def faster_nbgrader():
    """nbgrader, in this process and inside this block, with the two caches."""
    import jsonschema
    import nbgrader.api as api
    import nbgrader.nbgraderformat.common as metadata
    import sqlalchemy

    if not callable(getattr(api, "create_engine", None)) or getattr(metadata, "jsonschema", None) is not jsonschema:
        yield  # nbgrader moved what this patches (tests/test_nbgrader_speed.py says so): run it as it is
        return
    engines: dict = {}

    def create_engine(url, **options):
        key = (str(url), tuple(sorted(options.items())))
        if key not in engines:
            engines[key] = sqlalchemy.create_engine(url, **options)
        return engines[key]

    saved = api.create_engine, metadata.jsonschema
    api.create_engine, metadata.jsonschema = create_engine, _SchemaChecked(jsonschema)
    try:
        yield
    finally:
        api.create_engine, metadata.jsonschema = saved
        for engine in engines.values():
            engine.dispose()


class _SchemaChecked:
    """The jsonschema module, with `validate` checking each schema once rather than every call."""

    def __init__(self, module):
        self._module, self._validators = module, {}

    def __getattr__(self, name):
        return getattr(self._module, name)

    def validate(self, instance, schema):
        validator = self._validators.get(id(schema))
        if validator is None:
            cls = self._module.validators.validator_for(schema)
            cls.check_schema(schema)
            validator = self._validators[id(schema)] = (cls(schema), schema)  # schema kept: its id stays its own
        error = self._module.exceptions.best_match(validator[0].iter_errors(instance))
        if error is not None:
            raise error
