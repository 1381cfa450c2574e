"""`python -m lpr.compare`: the command lives in lpr.cli.compare."""
from lpr.cli.compare import main

if __name__ == "__main__":
    main()
