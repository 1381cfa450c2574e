"""`python -m lpr.val`: the command lives in lpr.cli.val."""
from lpr.cli.val import main

if __name__ == "__main__":
    main()
