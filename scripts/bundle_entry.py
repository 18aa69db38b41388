"""The installed app's entry point: the same as the `sitmap` command.

``--smoke-test`` is answered here before the command line is parsed, so a freshly
installed bundle can be checked even if it cannot build its full command line.
"""

import sys


def main() -> int:
    import multiprocessing

    multiprocessing.freeze_support()  # the live inputs' spawned processes start through this entry
    if sys.argv[1:] == ["--smoke-test"]:
        from desktop.ui.smoke import run_smoke_test

        return run_smoke_test()
    from desktop.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
