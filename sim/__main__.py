"""``python -m sim`` runs the ``councils`` command."""

import sys

from sim.views.cli import main

sys.exit(main())
