"""`python -m radarbench.rigs.devices KIND ...`: the same as `radarbench emulate KIND ...`."""
import sys

from radarbench.rigs.devices.cli import main

sys.exit(main())
