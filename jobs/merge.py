"""Entry point for `ray job submit -- python jobs/merge.py --config configs/demo.yaml`."""
import sys

from mediphi.cli import main

if __name__ == "__main__":
    main(["merge", *sys.argv[1:]])
