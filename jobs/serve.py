"""Entry point for `ray job submit -- python jobs/serve.py --config configs/demo.yaml`."""
import sys

from mediphi.cli import main

if __name__ == "__main__":
    main(["serve", *sys.argv[1:]])
