"""`python -m lpr.eval`: the command lives in lpr.cli.eval."""
from lpr.cli.eval import main

if __name__ == "__main__":
    main()
