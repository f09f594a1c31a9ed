"""smbemu: a pure-Python SMB2 server emulator for IPC$, named pipes and DCE/RPC.

Everything not re-exported here is internal.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
