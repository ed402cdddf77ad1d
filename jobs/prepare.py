"""Entry point for `ray job submit -- python jobs/prepare.py --config configs/demo.yaml`."""
import sys

from mediphi.cli import main

if __name__ == "__main__":
    main(["prepare", *sys.argv[1:]])
