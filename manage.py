#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys
from pathlib import Path


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contest.settings.dev")
    from django.core.management import execute_from_command_line  # noqa: PLC0415 -- after src/ is on the path

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
