"""`python -m cars_desktop` runs the same command line as the `cars-desktop` script."""

import sys

from cars_desktop.cli import main

sys.exit(main())
