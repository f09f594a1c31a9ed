"""epmapper: the DCE/RPC endpoint mapper (C706 appendix O, MS-RPCE 2.2.1.2), on ``\\PIPE\\epmapper``
and, with ``smbemu serve --rpc-tcp``, on TCP 135.

The package: ``towers`` (the tower octet strings, C706 appendix L), ``registrations`` (which
endpoints the emulated Windows registered), ``mapper`` (the interface and its ept_* operations).
"""

from __future__ import annotations

from .mapper import EPT_S_CANT_PERFORM_OP, EPT_S_NOT_REGISTERED, INTERFACE
from .registrations import TCP_MEMO_KEY, Entry, endpoint_map
from .towers import Floor, Tower, TowerError, decode_tower, encode_tower, local_tower, pipe_tower, tcp_tower

__all__ = ["INTERFACE", "EPT_S_NOT_REGISTERED", "EPT_S_CANT_PERFORM_OP", "TCP_MEMO_KEY", "Entry",
           "endpoint_map", "Floor", "Tower", "TowerError", "decode_tower", "encode_tower", "tcp_tower", "pipe_tower",
           "local_tower"]
