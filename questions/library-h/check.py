#!/usr/bin/env python3
"""Check the evaluation library in this folder (standard library only): the checks are those of
../check_library.py, with this library's minimums.

Usage: python3 check.py [--quiet]
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from check_library import Minimums, main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(HERE, Minimums(documents=30, per_answerable_kind=6, unanswerable=10, total=78)))
