"""`python -m lpr.bench`: the command lives in lpr.cli.bench."""
from lpr.cli.bench import main

if __name__ == "__main__":
    main()
