"""`python -m lpr.read`: the command lives in lpr.cli.read."""
from lpr.cli.read import main

if __name__ == "__main__":
    main()
