"""The ``anju`` console command: every Django management command, plus ``run`` and ``demo``."""

import os
import sys


def main(argv=None):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anju.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv)
    argv[0] = "anju"
    if len(argv) == 1:
        argv.append("help")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
