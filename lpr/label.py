"""`python -m lpr.label`: the command lives in lpr.cli.label."""
from lpr.cli.label import main

if __name__ == "__main__":
    main()
