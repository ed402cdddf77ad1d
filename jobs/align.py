"""Entry point for `ray job submit -- python jobs/align.py --config configs/demo.yaml`."""
import sys

from mediphi.cli import main

if __name__ == "__main__":
    main(["align", *sys.argv[1:]])
