"""`python -m autograder ...`: see autograder.cli."""
import sys

from autograder.cli import main

if __name__ == "__main__":  # not when a process pool imports this module again in its workers
    sys.exit(main())
