"""Entry point for `ray job submit -- python jobs/pit.py --config configs/demo.yaml`."""
import sys

from mediphi.cli import main

if __name__ == "__main__":
    main(["pit", *sys.argv[1:]])
