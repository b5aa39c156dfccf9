"""`python -m benchmarks`: run the benchmarks and write benchmarks/results/."""
import sys

from benchmarks import main

if __name__ == "__main__":
    sys.exit(main())
