"""Entry point for `ray job submit -- python jobs/pipeline.py --config configs/demo.yaml`."""
import sys

from mediphi.cli import main

if __name__ == "__main__":
    main(["pipeline", *sys.argv[1:]])
