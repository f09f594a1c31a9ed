"""`python -m smbemu` is the same as the `smbemu` console script."""

from smbemu.cli import main

raise SystemExit(main())
