"""Entry point for `ray job submit -- python jobs/synthesize.py --config configs/demo.yaml`."""
import sys

from mediphi.cli import main

if __name__ == "__main__":
    main(["synthesize", *sys.argv[1:]])
