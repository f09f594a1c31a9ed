"""smbemu: a pure-Python SMB2 server emulator for IPC$, named pipes and DCE/RPC.

Everything not re-exported here is internal. `serve` runs a server for the duration of an
``async with`` block (see `smbemu.testing`; the pytest fixture ``smbemu_server`` is in
`smbemu.pytest_plugin`).
"""

__version__ = "0.1.0"

from smbemu.testing import serve  # noqa: E402  (imports nothing heavy until called)

__all__ = ["__version__", "serve"]
