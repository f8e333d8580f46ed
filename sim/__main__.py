"""``python -m sim`` runs the ``councils`` command."""

import sys

from sim.cli import main

sys.exit(main())
