"""``python -m smbemu.policy matrix [--write README.md | --check README.md]``."""

import sys

from smbemu.policy.matrix import main

raise SystemExit(main(sys.argv[1:]))
