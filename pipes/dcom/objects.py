"""The object exporter's state (MS-DCOM 3.1.2.1 / 3.2.1): OXIDs, OIDs, IPIDs, their reference
counts and the ping sets of the OXID resolver, in memory and bounded.

smbemu runs one emulated COM server process (the COM+ Event System's): one OXID (its object
exporter, reached on the ``dcom`` ncacn_ip_tcp port, smbemu.rpc_tcp), the IPID of its
IRemUnknown, and per activation one object (an OID) whose interfaces each have an IPID.

Lifetime, as Windows' object exporter garbage-collects (MS-DCOM 3.2.6.1 / 3.2.6.2 "Ping timer"
and 3.1.2.3 "Ping Period": a client pings every 120 s; an object whose set has missed three pings
-- 360 s -- is released): every ping set remembers when it was last pinged; a set older than
``PING_EXPIRY`` is dropped with its OIDs' pings; an object released to 0 references
(RemRelease), or that no live set holds ``PING_EXPIRY`` after its creation, is dropped with its
IPIDs.  The sweep runs lazily on every access.

Bounds (a hostile client must not fill memory; U: Windows' own limits are not documented, these
are smbemu's): ``MAX_OBJECTS`` objects, ``MAX_SETS`` ping sets, ``MAX_SET_OIDS`` OIDs per set.
Past them an activation and ComplexPing answer E_OUTOFMEMORY (MS-DCOM 3.1.2.5.1.3 lists it for
a set the server cannot grow).
"""

from __future__ import annotations

import os
import struct
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

__all__ = ["ExportedObject", "ObjectExporter", "PING_EXPIRY", "MAX_OBJECTS", "MAX_SETS", "MAX_SET_OIDS",
           "MEMO_KEY"]

#: MS-DCOM 3.2.6.1: three ping periods of 120 s (3.1.2.3 "Ping Period").
PING_EXPIRY: Final = 3 * 120.0
MAX_OBJECTS: Final = 1024
MAX_SETS: Final = 1024
MAX_SET_OIDS: Final = 1024
#: Per-server state key (``ctx.server.memo``).
MEMO_KEY: Final = "dcom.exporter"


def _random64() -> int:
    """A nonzero 64-bit id (OXID, OID, SETID: MS-DCOM 2.2.10, 2.2.1, 2.2.2; Windows draws them
    at random, so they cannot be guessed)."""
    while True:
        value: int = struct.unpack("<Q", os.urandom(8))[0]
        if value:
            return value


@dataclass(slots=True)
class ExportedObject:
    """One activated object: its OID, its class, its interfaces (IID -> IPID) and their public
    reference counts (IPID -> count), and when it was created."""

    oid: int
    clsid: uuid.UUID
    interfaces: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)
    references: dict[uuid.UUID, int] = field(default_factory=dict)
    created: float = 0.0
    #: State a class keeps per object (an enumerator's position...).
    state: dict[str, object] = field(default_factory=dict)


@dataclass(slots=True)
class PingSet:
    oids: set[int] = field(default_factory=set)
    last_ping: float = 0.0
    sequence: int = 0


class ObjectExporter:
    """The OXID resolver's and the object exporter's tables (module docstring)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.oxid = _random64()
        #: MS-DCOM 3.1.2.5.1.1 pipidRemUnknown: the IPID of the exporter's IRemUnknown.
        self.ipid_rem_unknown = uuid.UUID(bytes=os.urandom(16))
        self.objects: dict[int, ExportedObject] = {}
        self.by_ipid: dict[uuid.UUID, tuple[ExportedObject, uuid.UUID]] = {}
        self.sets: dict[int, PingSet] = {}

    # ---------------------------------------------------------------- lifetime
    def sweep(self) -> None:
        """Drop expired ping sets, then objects neither referenced nor pinged (docstring)."""
        now = self.clock()
        for set_id in [s for s, ping_set in self.sets.items() if now - ping_set.last_ping > PING_EXPIRY]:
            del self.sets[set_id]
        pinged = set().union(*(ping_set.oids for ping_set in self.sets.values())) if self.sets else set()
        for oid, obj in list(self.objects.items()):
            # released: it had references and has none left (a new object has none yet)
            released = bool(obj.references) and not any(obj.references.values())
            if released or (oid not in pinged and now - obj.created > PING_EXPIRY):
                self._drop(obj)

    def _drop(self, obj: ExportedObject) -> None:
        self.objects.pop(obj.oid, None)
        for ipid in obj.interfaces.values():
            self.by_ipid.pop(ipid, None)

    # ---------------------------------------------------------------- objects
    def create(self, clsid: uuid.UUID) -> ExportedObject | None:
        """A new object of ``clsid``; None when the table is full (E_OUTOFMEMORY)."""
        self.sweep()
        if len(self.objects) >= MAX_OBJECTS:
            return None
        obj = ExportedObject(_random64(), clsid, created=self.clock())
        self.objects[obj.oid] = obj
        return obj

    def export(self, obj: ExportedObject, iid: uuid.UUID, refs: int = 1) -> uuid.UUID:
        """The IPID of ``iid`` on ``obj`` (new on first use), with ``refs`` more public references
        (MS-DCOM 3.1.1.5.6.1.1: each returned STDOBJREF carries cPublicRefs references)."""
        ipid = obj.interfaces.get(iid)
        if ipid is None:
            ipid = obj.interfaces[iid] = uuid.UUID(bytes=os.urandom(16))
            self.by_ipid[ipid] = (obj, iid)
        obj.references[ipid] = min(obj.references.get(ipid, 0) + refs, 0x7FFFFFFF)
        return ipid

    def find(self, ipid: uuid.UUID) -> tuple[ExportedObject, uuid.UUID] | None:
        self.sweep()
        return self.by_ipid.get(ipid)

    def release(self, ipid: uuid.UUID, refs: int) -> bool:
        """RemRelease (MS-DCOM 3.1.1.5.6.1.3): take ``refs`` public references off ``ipid``; an
        object left with none is dropped (unless a ping set still holds it: the sweep decides)."""
        found = self.by_ipid.get(ipid)
        if found is None:
            return False
        obj, _ = found
        obj.references[ipid] = max(obj.references.get(ipid, 0) - max(refs, 0), 0)
        self.sweep()
        return True

    def release_all(self, obj: ExportedObject) -> None:
        """Drop ``obj`` at once (an activation that returned no interface)."""
        self._drop(obj)

    # ---------------------------------------------------------------- ping sets
    def complex_ping(self, set_id: int, add: list[int], delete: list[int]) -> tuple[int, int]:
        """MS-DCOM 3.1.2.5.1.3: (set id, error).  Set id 0 asks for a new set; an unknown nonzero
        one is OR_INVALID_SET; OIDs to add that the exporter does not know are ignored, as
        Windows' resolver keeps only those it exports (U)."""
        from .wire import E_OUTOFMEMORY, OR_INVALID_SET

        self.sweep()
        if set_id == 0:
            if len(self.sets) >= MAX_SETS:
                return 0, E_OUTOFMEMORY
            set_id = _random64()
            self.sets[set_id] = PingSet()
        ping_set = self.sets.get(set_id)
        if ping_set is None:
            return 0, OR_INVALID_SET
        ping_set.oids.difference_update(delete)
        for oid in add:
            if oid in self.objects:
                if len(ping_set.oids) >= MAX_SET_OIDS:
                    return set_id, E_OUTOFMEMORY
                ping_set.oids.add(oid)
        ping_set.last_ping = self.clock()
        return set_id, 0

    def simple_ping(self, set_id: int) -> int:
        """MS-DCOM 3.1.2.5.1.2: 0, or OR_INVALID_SET for a set the exporter does not hold."""
        from .wire import OR_INVALID_SET

        self.sweep()
        ping_set = self.sets.get(set_id)
        if ping_set is None:
            return OR_INVALID_SET
        ping_set.last_ping = self.clock()
        return 0
