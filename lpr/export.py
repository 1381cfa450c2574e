"""`python -m lpr.export`: the command lives in lpr.cli.export."""
from lpr.cli.export import main

if __name__ == "__main__":
    main()
