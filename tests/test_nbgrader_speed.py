"""autograder/integration/nbgrader_speed.py patches two names inside nbgrader. These tests fail when nbgrader
moves either one (the patch would then silently do nothing) or when a patch changes a result."""
import nbformat
import pytest
from nbgrader.api import Gradebook
from nbgrader.nbgraderformat import MetadataValidator, ValidationError

from autograder.integration.nbgrader_speed import _SchemaChecked, faster_nbgrader


def test_gradebooks_share_one_engine_per_database_inside_the_block(tmp_path):
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url) as first, Gradebook(url) as second:
        assert first.engine is not second.engine  # nbgrader's own behaviour: the patch is needed
    with faster_nbgrader():
        with Gradebook(url) as first:
            first.add_assignment("01_init")
        with Gradebook(url) as second:
            assert second.engine is first.engine, (
                "nbgrader.api.Gradebook no longer builds its engine with nbgrader.api.create_engine: "
                "autograder/integration/nbgrader_speed.py must follow it")
            assert [a.name for a in second.assignments] == ["01_init"]
    with Gradebook(url) as after:
        assert after.engine is not second.engine and [a.name for a in after.assignments] == ["01_init"]


def cell(**nbgrader):
    metadata = {"grade": True, "grade_id": "a_check", "locked": True, "points": 1, "schema_version": 3,
                "solution": False, **nbgrader}
    return nbformat.v4.new_code_cell("grade('a_check', globals())", metadata={"nbgrader": metadata})


def errors(validate, cells):
    found = []
    for one in cells:
        try:
            validate(one)
            found.append(None)
        except ValidationError as error:
            found.append((error.message, list(error.path)))
    return found


def test_cell_metadata_is_validated_through_the_cached_schema_with_nbgraders_errors():
    cells = [cell(), cell(points="one"), cell(grade_id=3), cell(locked="yes", solution=None)]
    expected = errors(MetadataValidator().validate_cell, cells)
    assert expected[0] is None and all(expected[1:])
    with faster_nbgrader():
        import nbgrader.nbgraderformat.common as common

        assert isinstance(common.jsonschema, _SchemaChecked), (
            "nbgrader's metadata validation no longer calls nbgrader.nbgraderformat.common.jsonschema: "
            "autograder/integration/nbgrader_speed.py must follow it")
        validator = MetadataValidator()
        assert errors(validator.validate_cell, cells) == expected
        assert len(common.jsonschema._validators) == 1  # the schema was checked once, for four cells
    import nbgrader.nbgraderformat.common as common
    assert not isinstance(common.jsonschema, _SchemaChecked)


def test_the_block_restores_nbgrader_when_it_raises():
    import nbgrader.api as api

    before = api.create_engine
    with pytest.raises(KeyError), faster_nbgrader():
        raise KeyError("a notebook failed")
    assert api.create_engine is before


def _caches_in_this_process() -> tuple[bool, bool]:
    import nbgrader.api as api
    import nbgrader.nbgraderformat.common as common
    import sqlalchemy

    return isinstance(common.jsonschema, _SchemaChecked), api.create_engine is not sqlalchemy.create_engine


def test_a_local_grading_process_keeps_the_caches_for_its_sanitizing():
    from autograder.class_grading.executors import LocalPool

    pool = LocalPool(1)
    try:
        assert pool.pool.submit(_caches_in_this_process).result(timeout=300) == (True, True)
    finally:
        pool.close()
    assert _caches_in_this_process() == (False, False)  # and this process is as it was
