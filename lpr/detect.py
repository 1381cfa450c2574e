"""`python -m lpr.detect`: the command lives in lpr.cli.detect."""
from lpr.cli.detect import main

if __name__ == "__main__":
    main()
