"""Entry point for `ray job submit -- python jobs/experts.py --config configs/demo.yaml`."""
import sys

from mediphi.cli import main

if __name__ == "__main__":
    main(["experts", *sys.argv[1:]])
