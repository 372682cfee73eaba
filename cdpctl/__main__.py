"""``cdpctl`` and ``python -m cdpctl``: the command line, with SIGINT and SIGTERM noted from the first moment.

Importing the command line takes a tenth of a second.  A signal in that time,
with Python's own handler, could land in a callback of the import machinery,
where the ``KeyboardInterrupt`` is printed as "Exception ignored" and lost: the
command then went on, and could wait on a FIFO for ever.  So the signals are
only noted while :mod:`cdpctl.cli` is imported; one noted ends the command with
one line and 128 plus its number, before anything is read.
"""

import signal
import sys


def main() -> None:
    noted: list[int] = []

    def note(signum: int, _frame: object) -> None:
        noted.append(signum)

    try:
        previous = {signum: signal.signal(signum, note) for signum in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:  # not the main thread (called as a library function): Python's handling stays
        previous = {}
    try:
        from cdpctl import cli
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if noted:
        sys.stderr.write(f"cdpctl: error: stopped by {signal.Signals(noted[0]).name} before the command started\n")
        raise SystemExit(128 + noted[0])
    cli.main()


if __name__ == "__main__":
    main()
