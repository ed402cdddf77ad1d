"""Entry point for `ray job submit -- python jobs/evaluate.py --config configs/demo.yaml`."""
import sys

from mediphi.cli import main

if __name__ == "__main__":
    main(["evaluate", *sys.argv[1:]])
