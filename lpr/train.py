"""`python -m lpr.train`: the command lives in lpr.cli.train."""
from lpr.cli.train import main

if __name__ == "__main__":
    main()
