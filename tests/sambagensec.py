"""Samba's own gensec client (the NTLMSSP/SPNEGO code inside smbclient and rpcclient), driven
from the tests.

python3-samba lives in the system interpreter, not in `.venv`, so the client runs there as a
child process and is spoken to over a pipe: one JSON line per call (``[op, [hex args]]``), one
JSON line back. ``SMBEMU_SAMBA_PYTHON`` names another interpreter.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

_CLIENT = r"""
import json, sys
import samba.param
from samba import gensec
from samba.credentials import Credentials, DONT_USE_KERBEROS
cfg = json.loads(sys.argv[1])
lp = samba.param.LoadParm()
lp.load("/dev/null")
for name, value in cfg["lp"].items():
    lp.set(name, value)
creds = Credentials()
creds.guess(lp)
creds.set_kerberos_state(DONT_USE_KERBEROS)
creds.set_workstation("SAMBACLI")
if cfg["user"]:
    creds.set_username(cfg["user"]); creds.set_password(cfg["password"]); creds.set_domain("CORP")
else:
    creds.set_anonymous()
g = gensec.Security.start_client(dict(cfg["settings"], lp_ctx=lp))
g.set_credentials(creds)
for feature in cfg["features"]:
    g.want_feature(getattr(gensec, feature))
if cfg["mech"]:
    g.start_mech_by_name(cfg["mech"])
else:
    g.start_mech_by_authtype(cfg["auth_type"], cfg["level"])
for line in sys.stdin:
    op, args = json.loads(line)
    args = [bytes.fromhex(a) for a in args]
    try:
        if op == "update":
            finished, token = g.update(args[0])
            reply = [bool(finished), bytes(token).hex()]
        else:
            result = getattr(g, op)(*args)
            reply = "ok" if result is None else bytes(result).hex()
    except Exception as error:
        reply = {"error": str(error)}
    print(json.dumps(reply), flush=True)
"""


class SambaGensec:
    """One gensec client context; a call Samba refuses raises RuntimeError with its message."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self._process = process
        self.complete = False

    def _call(self, op: str, *args: bytes) -> Any:
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(json.dumps([op, [a.hex() for a in args]]) + "\n")
        self._process.stdin.flush()
        reply = json.loads(self._process.stdout.readline())
        if isinstance(reply, dict):
            raise RuntimeError(reply["error"])
        return reply

    def update(self, token: bytes) -> tuple[bool, bytes]:
        finished, out = self._call("update", token)
        self.complete = bool(finished)
        return self.complete, bytes.fromhex(out)

    def step(self, token: bytes | None) -> bytes:
        return self.update(token or b"")[1]

    def session_key(self) -> bytes:
        return bytes.fromhex(self._call("session_key"))

    def wrap(self, data: bytes) -> bytes:
        return bytes.fromhex(self._call("wrap", data))

    def unwrap(self, data: bytes) -> bytes:
        return bytes.fromhex(self._call("unwrap", data))

    def sign_packet(self, data: bytes, whole: bytes) -> bytes:
        return bytes.fromhex(self._call("sign_packet", data, whole))

    def check_packet(self, data: bytes, whole: bytes, signature: bytes) -> None:
        self._call("check_packet", data, whole, signature)


@contextmanager
def samba_gensec(user: str, password: str, *, mech: str = "", auth_type: int = 0, level: int = 0,
                 features: Sequence[str] = (), target_service: str = "",
                 **lp: str) -> Iterator[SambaGensec]:
    """A client for `user` (empty: anonymous), started by mechanism name (``"spnego"``,
    ``"ntlmssp"``) or, for DCE/RPC, by auth type and level; `features` are gensec FEATURE_*
    names; `lp` are smb.conf parameters."""
    settings = {"target_hostname": "legacysrv"}
    if target_service:
        settings["target_service"] = target_service
    config = json.dumps({"user": user, "password": password, "mech": mech, "auth_type": auth_type,
                         "level": level, "features": list(features), "settings": settings, "lp": lp})
    python = os.environ.get("SMBEMU_SAMBA_PYTHON", "/usr/bin/python3")
    with subprocess.Popen([python, "-c", _CLIENT, config], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True) as process:
        try:
            yield SambaGensec(process)
        finally:
            assert process.stdin is not None
            process.stdin.close()
