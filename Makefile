# Every target goes through tasks.py, which creates .venv on first use.
PYTHON ?= python3.11

.PHONY: demo test references release mistakes hostile bench
demo:
	$(PYTHON) tasks.py demo
test:
	$(PYTHON) tasks.py test
references:
	$(PYTHON) tasks.py references
release:
	$(PYTHON) tasks.py release
mistakes:
	$(PYTHON) tasks.py mistakes
hostile:
	$(PYTHON) tasks.py hostile
bench:
	$(PYTHON) tasks.py bench
