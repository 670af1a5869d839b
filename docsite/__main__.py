"""``python -m docsite``: the same as ``promo-docs``."""

import sys

from docsite.cli import main

sys.exit(main())
