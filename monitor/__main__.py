"""``python -m monitor`` is ``gqlmon``."""

from monitor.cli.app import main

if __name__ == "__main__":
    main()
