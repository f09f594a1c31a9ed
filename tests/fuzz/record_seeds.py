"""Record the request frames real clients send to smbemu, as fuzzing seeds (run by hand).

    .venv/bin/python tests/fuzz/record_seeds.py [--only smb2|smb1]

Starts a win2000 server in a thread with `Connection.receive_data` wrapped to log every input,
runs smbclient, rpcclient, impacket and smbprotocol against it, splits each connection's bytes
into Direct TCP frames and writes one file per connection to `tests/fuzz/seeds/<client>-<n>.hex`:
one frame (length prefix included) per line as hex, `#` lines are comments.

SMB1 seeds (`smb1-<client>-<n>.hex`, issue 12) come from clients forced to NT LM 0.12: impacket
`SMBConnection(preferredDialect=SMB_DIALECT)` anonymous and as alice (listShares over srvsvc, a
SAMR domain enumeration), smbclient -L and rpcclient with the NT1 protocol options, and pysmb
(as alice) with SMB2 support turned off. `--only` re-records one family and leaves the other's files alone.
"""

from __future__ import annotations

import argparse
import os
import struct
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from helpers import ServerThread  # noqa: E402

sys.path.insert(0, str(HERE))
from harness import fixed_ntlm_challenge  # noqa: E402

from smbemu.connection import Connection  # noqa: E402

SEEDS = HERE / "seeds"
SIGNED_OVERRIDES = ["signing_required=true"]  # the server of the smb1-signed-* seeds
# rpcclient opens IPC$ under the "client ipc" protocol bounds, smbclient under the plain ones:
# both pairs force NT LM 0.12.
NT1 = ["--option=client ipc min protocol=NT1", "--option=client ipc max protocol=NT1",
       "--option=client min protocol=NT1", "--option=client max protocol=NT1"]


def split_frames(data: bytes) -> list[bytes]:
    frames = []
    while len(data) >= 4:
        length = struct.unpack(">I", data[:4])[0] & 0xFFFFFF
        frames.append(data[: 4 + length])
        data = data[4 + length :]
    return frames


def main(only: str) -> None:
    inputs: dict[int, bytearray] = defaultdict(bytearray)
    order: list[int] = []
    original = Connection.receive_data

    def recording(self: Connection, data: bytes, now: float | None = None) -> list[bytes]:
        key = self.__dict__.get("_seed_key")
        if key is None:  # not id(self): ids are reused once a connection is freed
            key = self.__dict__["_seed_key"] = len(order) + 1
            order.append(key)
        inputs[key] += data
        return original(self, data, now)

    Connection.receive_data = recording  # type: ignore[method-assign]
    runs: list[tuple[str, list[int]]] = []
    # The challenge the replay will use too: recorded user logons verify again (harness.py).
    with fixed_ntlm_challenge(), ServerThread(profile="win2000") as server:
        port = str(server.port)

        def run(label: str, args: list[str] | None, func: object = None) -> None:
            before = len(order)
            if args:
                subprocess.run(args, capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
            else:
                func()  # type: ignore[operator]
            for cid in order[before:]:
                runs.append((label, [cid]))

        smb2 = only in ("all", "smb2")
        smb1 = only in ("all", "smb1")
        if smb2:
            run("smbclient-L", ["smbclient", "-L", "//127.0.0.1", "-p", port, "-N"])
            for cmd in ("srvinfo", "enumdomusers", "lsaquery", "querydominfo;enumdomgroups", "netshareenumall 1"):
                run("rpcclient-" + cmd.split(";")[0].split()[0],
                    ["rpcclient", "-p", port, "-U", "", "-N", "127.0.0.1", "-c", cmd])
            run("rpcclient-user", ["rpcclient", "-p", port, "-U", "alice%Wonderland1", "127.0.0.1", "-c",
                                   "srvinfo;enumdomusers"])
        if smb1:
            run("smb1-smbclient-L", ["smbclient", "-L", "//127.0.0.1", "-p", port, "-N", *NT1])
            run("smb1-rpcclient-srvinfo", ["rpcclient", "-p", port, "-U", "", "-N", *NT1, "127.0.0.1", "-c",
                                           "srvinfo;netshareenumall 1"])
            # Samba's IPC signing default would sign (and win2000's member server does not):
            # unsigned, so that the replay's fresh session can go on.
            run("smb1-rpcclient-user", ["rpcclient", "-p", port, "-U", "alice%Wonderland1", *NT1,
                                        "--option=client ipc signing=off", "127.0.0.1", "-c", "srvinfo;enumdomusers"])

        def impacket_shares() -> None:
            from impacket.smbconnection import SMBConnection

            conn = SMBConnection("127.0.0.1", "127.0.0.1", sess_port=int(port))
            conn.login("", "")
            conn.listShares()
            conn.logoff()

        def impacket_user() -> None:
            from impacket.smbconnection import SMBConnection

            conn = SMBConnection("127.0.0.1", "127.0.0.1", sess_port=int(port))
            conn.login("alice", "Wonderland1")
            conn.listShares()
            conn.logoff()

        def smbprotocol_311() -> None:
            import uuid

            from smbprotocol.connection import Connection as SpConnection
            from smbprotocol.open import CreateDisposition, FilePipePrinterAccessMask, ImpersonationLevel, Open, ShareAccess, CreateOptions
            from smbprotocol.session import Session
            from smbprotocol.tree import TreeConnect

            conn = SpConnection(uuid.uuid4(), "127.0.0.1", int(port))
            conn.connect()
            session = Session(conn, "alice", "Wonderland1", require_encryption=False)
            session.connect()
            tree = TreeConnect(session, r"\\127.0.0.1\IPC$")
            tree.connect()
            pipe = Open(tree, "srvsvc")
            pipe.create(ImpersonationLevel.Impersonation,
                        FilePipePrinterAccessMask.GENERIC_READ | FilePipePrinterAccessMask.GENERIC_WRITE,
                        0, ShareAccess.FILE_SHARE_READ | ShareAccess.FILE_SHARE_WRITE,
                        CreateDisposition.FILE_OPEN, CreateOptions.FILE_NON_DIRECTORY_FILE)
            pipe.close()
            tree.disconnect()
            session.disconnect()
            conn.disconnect()

        def impacket_smb1(user: str, password: str) -> None:
            from impacket.dcerpc.v5 import samr, transport
            from impacket.smbconnection import SMB_DIALECT, SMBConnection

            conn = SMBConnection("127.0.0.1", "127.0.0.1", sess_port=int(port), preferredDialect=SMB_DIALECT)
            conn.login(user, password)
            conn.listShares()  # srvsvc NetrShareEnum over TRANSACTION / READ_ANDX
            rpc = transport.SMBTransport("127.0.0.1", int(port), r"\samr", smb_connection=conn)
            dce = rpc.get_dce_rpc()
            dce.connect()
            dce.bind(samr.MSRPC_UUID_SAMR)
            handle = samr.hSamrConnect(dce)["ServerHandle"]
            samr.hSamrEnumerateDomainsInSamServer(dce, handle)
            samr.hSamrCloseHandle(dce, handle)
            dce.disconnect()
            conn.logoff()
            conn.close()

        def pysmb_smb1() -> None:
            from smb import smb_structs
            from smb.SMBConnection import SMBConnection as PySmbConnection

            smb_structs.SUPPORT_SMB2 = False
            try:
                # pysmb's empty user name is not an anonymous logon (refused over SMB2 too): alice.
                conn = PySmbConnection("alice", "Wonderland1", "fuzzseed", "LEGACYSRV", domain="CORP",
                                       use_ntlm_v2=True, is_direct_tcp=True)
                conn.connect("127.0.0.1", int(port), timeout=10)
                conn.listShares(timeout=10)
                conn.close()
            finally:
                smb_structs.SUPPORT_SMB2 = True

        if smb2:
            run("impacket-anon", None, impacket_shares)
            run("impacket-user", None, impacket_user)
            import smbemu.profiles  # noqa: F401
            run("smbprotocol-311", None, smbprotocol_311)
        if smb1:
            run("smb1-impacket-anon", None, lambda: impacket_smb1("", ""))
            run("smb1-impacket-user", None, lambda: impacket_smb1("alice", "Wonderland1"))
            run("smb1-pysmb-user", None, pysmb_smb1)
        if smb1:
            # Signed SMB1 (`smb1-signed-*`): recorded, and replayed, on win2000 with
            # RequireSecuritySignature: with the one challenge the session key is the recorded one,
            # so the replayed signatures verify and mutations meet the signature checks.
            with ServerThread(profile="win2000", overrides=SIGNED_OVERRIDES) as signed:
                port = str(signed.port)
                run("smb1-signed-impacket-user", None, lambda: impacket_smb1("alice", "Wonderland1"))
                run("smb1-signed-rpcclient-user", ["rpcclient", "-p", port, "-U", "alice%Wonderland1", *NT1,
                                                   "127.0.0.1", "-c", "srvinfo;netshareenumall 1"])
    SEEDS.mkdir(exist_ok=True)
    for old in SEEDS.glob("*.hex"):
        if only == "all" or old.name.startswith("smb1-") == (only == "smb1"):
            old.unlink()
    counts: dict[str, int] = defaultdict(int)
    for label, cids in runs:
        for cid in cids:
            frames = split_frames(bytes(inputs[cid]))
            if not frames:
                continue
            counts[label] += 1
            path = SEEDS / f"{label}-{counts[label]}.hex"
            lines = [f"# {label}: request frames one connection sent to smbemu (win2000), recorded by record_seeds.py"]
            lines += [frame.hex() for frame in frames]
            path.write_text("\n".join(lines) + "\n")
            print(path.name, len(frames), "frames")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("all", "smb2", "smb1"), default="all",
                        help="record one family of seeds (SMB2 clients, or clients forced to SMB1)")
    os.chdir(HERE.parent.parent)
    main(parser.parse_args().only)
