"""``python -m tradewind.cli ...`` is ``tradewind ...`` (for subprocesses and environments
without the console script on PATH)."""

from tradewind.cli.app import main

if __name__ == "__main__":
    main()
