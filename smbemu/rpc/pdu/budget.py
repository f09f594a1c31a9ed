"""Memory a client makes the server hold for DCE/RPC input: budgets per connection and per server.

What a pipe holds for its client before a call runs is the client's to choose: PDUs written and
not processed yet (a large WRITE is processed in slices, :meth:`smbemu.rpc.endpoint.RpcEndpoint.pump`)
and the stub of a fragmented request still being reassembled (MS-RPCE 3.3.3.5.4 bounds one
request, ``--max-rpc-request``; nothing in the spec bounds their sum). One connection opening many
pipes, or many connections, would add those up without end (issue 14: one anonymous connection
held 1.05 GiB in 250 pipes of unfinished fragments). Every endpoint charges what it holds to its
connection's budget (``--max-reassembly-per-connection``), which charges the server's
(``--max-reassembly-memory``); a charge that does not fit is refused and the endpoint refuses what
it was for (the WRITE, or the fragment: see :mod:`smbemu.rpc.endpoint`).
"""

from __future__ import annotations

__all__ = ["ServerBudget", "ConnectionBudget"]


class ServerBudget:
    """Bytes held for every connection of one server, and per connection (by peer address). A
    connection holding nothing has no entry (an idle one costs nothing)."""

    __slots__ = ("limit", "per_connection", "used", "_by_peer")

    def __init__(self, limit: int, per_connection: int) -> None:
        self.limit = limit
        self.per_connection = per_connection
        self.used = 0
        self._by_peer: dict[tuple[str, int], int] = {}

    def fits(self, peer: tuple[str, int], size: int) -> bool:
        """Whether ``size`` more bytes could be held for ``peer``."""
        return (self.used + size <= self.limit
                and self._by_peer.get(peer, 0) + size <= self.per_connection)

    def take(self, peer: tuple[str, int], size: int) -> bool:
        """Hold ``size`` more bytes for ``peer`` if they fit; False (nothing held) if not."""
        if not self.fits(peer, size):
            return False
        self.used += size
        self._by_peer[peer] = self._by_peer.get(peer, 0) + size
        return True

    def give(self, peer: tuple[str, int], size: int) -> None:
        """``size`` bytes held for ``peer`` are released."""
        self.used -= size
        left = self._by_peer.get(peer, 0) - size
        if left > 0:
            self._by_peer[peer] = left
        else:
            self._by_peer.pop(peer, None)

    def held_by(self, peer: tuple[str, int]) -> int:
        return self._by_peer.get(peer, 0)

    def connection(self, peer: tuple[str, int]) -> ConnectionBudget:
        return ConnectionBudget(self, peer)


class ConnectionBudget:
    """One connection's view of its server's budget (what an endpoint holds on to)."""

    __slots__ = ("server", "peer")

    def __init__(self, server: ServerBudget, peer: tuple[str, int]) -> None:
        self.server = server
        self.peer = peer

    def fits(self, size: int) -> bool:
        return self.server.fits(self.peer, size)

    def take(self, size: int) -> bool:
        return self.server.take(self.peer, size)

    def give(self, size: int) -> None:
        self.server.give(self.peer, size)
