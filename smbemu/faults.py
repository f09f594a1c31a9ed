"""Fault injection for client authors: make the server answer one request the way a broken or
hostile server would.

Rules are data, declared in YAML (`smbemu serve --faults FILE`) or passed to
`smbemu.serve(faults=[...])` / the pytest fixture as dicts (or `FaultRule` objects made with
:func:`rule`). A rule *matches* on any combination of

* ``command``: an SMB2 command name (``TREE_CONNECT``, ``CREATE``, ``IOCTL`` ...);
* ``session_setup_round``: the n-th SESSION_SETUP request of one authentication exchange
  (1 = NTLM NEGOTIATE, 2 = NTLM AUTHENTICATE);
* ``pipe``: the named pipe (``srvsvc``): a CREATE of it, or READ/WRITE/IOCTL/CLOSE/QUERY_INFO
  on an open of it; with RPC-level keys, the pipe the call arrives on;
* ``interface`` (name such as ``srvsvc`` or UUID), ``opnum`` and/or ``operation`` (the
  operation's name, ``NetrShareEnum``): these make the rule **RPC-level**: it is checked once
  per DCE/RPC request, not per SMB2 request;
* ``user``: the caller's account name (``anonymous`` for a NULL session);
* ``nth``: fire only on the n-th request the other keys match (counted per server);
* ``times``: fire at most this many times.

and *acts*:

* ``status``: an NTSTATUS (``STATUS_ACCESS_DENIED``, ``0xC0000022``). SMB-level rules answer
  an SMB2 ERROR response with it; RPC-level rules answer a normal RPC response whose return
  value is it (every [out] parameter NULL/zero), as a server-side failure looks;
* ``fault``: RPC-level only: a DCE/RPC fault PDU with this status (``nca_s_op_rng_error``,
  ``0x1C010002``, ``5`` = access denied) — what the RPC runtime, not the operation, refuses;
* ``delay``: seconds to wait before sending the answer (the normal one unless another action
  changes it);
* ``truncate``: send only the first N bytes of the answer as it goes on the wire (the 4-byte
  Direct TCP length prefix included), then close the connection;
* ``drop: true``: close the connection without answering.

Each rule that fires is logged at INFO, e.g.
``fault rule #2 fired: SESSION_SETUP round 2 -> STATUS_ACCESS_DENIED``.

The engine is sans-I/O: the SMB2 engine (`smbemu.smb2.engine`) asks it once per SMB2 request
before dispatch and `smbemu.rpc.endpoint` once per RPC call; transport actions (delay, truncate,
drop) are queued here and applied by the connection core (`smbemu.core`) to the frame being
answered -- a delay holds the answers (and the requests behind) until its deadline.
"""

from __future__ import annotations

import logging
import uuid as uuid_mod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from smbemu.errors import ConfigError
from smbemu.pipe_names import normalize_pipe_name
from smbemu.smb2.constants import Command
from smbemu.status import (
    FAULT_ACCESS_DENIED,
    NCA_S_FAULT_NDR,
    NCA_S_FAULT_UNSPEC,
    NCA_S_OP_RNG_ERROR,
    NCA_S_PROTO_ERROR,
    NCA_S_UNK_IF,
    RPC_S_CALL_FAILED,
    RPC_S_SERVER_TOO_BUSY,
    NtStatus,
    StatusFamily,
    status_name,
)

__all__ = ["FaultRule", "FaultEngine", "rule", "parse_rules", "load_faults", "engine_for", "user_matches", "command_number"]

log = logging.getLogger("smbemu.faults")

KEYS: Final = (
    "name", "command", "session_setup_round", "pipe", "interface", "opnum", "operation", "user",
    "nth", "times", "status", "fault", "delay", "truncate", "drop",
)

#: DCE/RPC fault names accepted for ``fault:`` (C706 appendix E, MS-RPCE 2.2.2.9).
RPC_FAULTS: Final[dict[str, int]] = {
    "nca_s_op_rng_error": NCA_S_OP_RNG_ERROR,
    "nca_s_unk_if": NCA_S_UNK_IF,
    "nca_s_proto_error": NCA_S_PROTO_ERROR,
    "nca_s_fault_unspec": NCA_S_FAULT_UNSPEC,
    "nca_s_fault_ndr": NCA_S_FAULT_NDR,
    "nca_s_fault_access_denied": FAULT_ACCESS_DENIED,
    "access_denied": FAULT_ACCESS_DENIED,
    "rpc_s_access_denied": FAULT_ACCESS_DENIED,
    "rpc_s_server_too_busy": RPC_S_SERVER_TOO_BUSY,
    "rpc_s_call_failed": RPC_S_CALL_FAILED,
}



def fault_name(code: int) -> str:
    for name, value in RPC_FAULTS.items():
        if value == code:
            return f"fault {name} (0x{code:08x})"
    return f"fault 0x{code:08x}"


@dataclass(frozen=True, slots=True)
class FaultRule:
    """One validated rule (build it with :func:`rule` or :func:`parse_rules`)."""

    index: int = 1
    name: str = ""
    command: int | None = None
    session_setup_round: int | None = None
    pipe: str | None = None
    interface: str | None = None  # lower-case name, or a UUID in canonical form
    opnum: int | None = None
    operation: str | None = None  # lower-case
    user: str | None = None  # lower-case; "anonymous" for NULL sessions
    nth: int | None = None
    times: int | None = None
    status: int | None = None
    fault: int | None = None
    delay: float = 0.0
    truncate: int | None = None
    drop: bool = False

    @property
    def rpc_level(self) -> bool:
        return self.interface is not None or self.opnum is not None or self.operation is not None

    def describe_action(self) -> str:
        parts: list[str] = []
        if self.delay:
            parts.append(f"delay {self.delay:g} s")
        if self.status is not None:
            parts.append(status_name(self.status, StatusFamily.NTSTATUS)
                         + (" (return value)" if self.rpc_level else ""))
        if self.fault is not None:
            parts.append(fault_name(self.fault))
        if self.truncate is not None:
            parts.append(f"truncate to {self.truncate} bytes and close")
        if self.drop:
            parts.append("drop the connection")
        return ", then ".join(parts)


# --------------------------------------------------------------------------- validation
class _Checker:
    def __init__(self, source: str, where: str) -> None:
        self.source = source
        self.where = where

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(self.source, f"{self.where}.{key}" if key else self.where, problem)

    def positive_int(self, key: str, value: Any, minimum: int = 1) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(key, f"{value!r} is not an integer >= {minimum}")
        return value

    def text(self, key: str, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"{value!r} is not a non-empty string")
        return value.strip()

    def number(self, key: str, value: Any, name: str, allowed: Mapping[str, int], examples: str) -> int:
        number: Any = value
        if isinstance(value, str):
            lowered = value.strip().lower()
            number = None
            if lowered in allowed:
                number = allowed[lowered]
            elif lowered.startswith("0x"):
                try:
                    number = int(lowered, 16)
                except ValueError:
                    pass
        if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number <= 0xFFFFFFFF:
            raise self.fail(key, f"{value!r} is not {name}; allowed: a 32-bit number or {examples}")
        return number


def _status_names() -> dict[str, int]:
    names: dict[str, int] = {}
    for member in NtStatus:
        names[f"status_{member.name.lower()}"] = int(member)
        names[member.name.lower()] = int(member)
    return names


def command_number(name: str) -> int:
    """The number a rule's ``command: NAME`` stands for (the SMB2 command of that name; an SMB1
    connection maps its own commands onto these, smbemu.smb1.fault_hooks)."""
    return int(Command[name])


def _command(check: _Checker, value: Any) -> int:
    names = [c.name for c in Command]
    if isinstance(value, str) and value.strip().upper().removeprefix("SMB2_") in names:
        return int(Command[value.strip().upper().removeprefix("SMB2_")])
    raise check.fail("command", f"{value!r} is not an SMB2 command; allowed: {', '.join(names)}")


def _pipe(name: str) -> str:
    return normalize_pipe_name(name)


def _interface(check: _Checker, value: Any) -> str:
    text = check.text("interface", value)
    try:
        return str(uuid_mod.UUID(text))
    except ValueError:
        return text.lower()


def parse_rule(data: Any, source: str = "<faults>", index: int = 1) -> FaultRule:
    """Validate one rule given as a mapping; errors name the source, the rule and the key."""
    check = _Checker(source, f"faults[{index - 1}]")
    if isinstance(data, FaultRule):
        return FaultRule(**{**_as_dict(data), "index": index})
    if not isinstance(data, Mapping):
        raise check.fail("", f"{data!r} is not a mapping; expected e.g. {{command: TREE_CONNECT, status: STATUS_ACCESS_DENIED}}")
    unknown = [str(k) for k in data if k not in KEYS]
    if unknown:
        raise check.fail(unknown[0], f"unknown key; allowed: {', '.join(KEYS)}")
    fields: dict[str, Any] = {"index": index}
    if "name" in data:
        fields["name"] = check.text("name", data["name"])
    if "command" in data:
        fields["command"] = _command(check, data["command"])
    if "session_setup_round" in data:
        fields["session_setup_round"] = check.positive_int("session_setup_round", data["session_setup_round"])
        if fields.setdefault("command", Command.SESSION_SETUP) != Command.SESSION_SETUP:
            raise check.fail("session_setup_round", "only applies to command SESSION_SETUP")
    if "pipe" in data:
        fields["pipe"] = _pipe(check.text("pipe", data["pipe"]))
    if "interface" in data:
        fields["interface"] = _interface(check, data["interface"])
    if "opnum" in data:
        fields["opnum"] = check.positive_int("opnum", data["opnum"], 0)
    if "operation" in data:
        fields["operation"] = check.text("operation", data["operation"]).lower()
    if "user" in data:
        fields["user"] = check.text("user", data["user"]).lower()
    for key in ("nth", "times"):
        if key in data:
            fields[key] = check.positive_int(key, data[key])
    if "status" in data:
        fields["status"] = check.number(
            "status", data["status"], "an NTSTATUS", _status_names(),
            "an NTSTATUS name (0xC0000022, STATUS_ACCESS_DENIED, STATUS_LOGON_FAILURE, ...)")
    if "fault" in data:
        fields["fault"] = check.number(
            "fault", data["fault"], "a DCE/RPC fault status", RPC_FAULTS,
            "one of " + ", ".join(RPC_FAULTS) + " (e.g. 0x1C010002)")
    if "delay" in data:
        delay = data["delay"]
        if isinstance(delay, bool) or not isinstance(delay, (int, float)) or not 0 <= delay <= 3600:
            raise check.fail("delay", f"{delay!r} is not a number of seconds (0-3600)")
        fields["delay"] = float(delay)
    if "truncate" in data:
        fields["truncate"] = check.positive_int("truncate", data["truncate"], 0)
    if "drop" in data:
        if not isinstance(data["drop"], bool):
            raise check.fail("drop", f"{data['drop']!r} is not a boolean; allowed: true, false")
        fields["drop"] = data["drop"]
    built = FaultRule(**fields)
    _check_consistency(check, built)
    return built


def _as_dict(rule_: FaultRule) -> dict[str, Any]:
    return {name: getattr(rule_, name) for name in FaultRule.__dataclass_fields__}


def _check_consistency(check: _Checker, r: FaultRule) -> None:
    if r.rpc_level and r.command is not None:
        raise check.fail("command", "cannot be combined with interface/opnum/operation (an RPC-level rule "
                                    "matches DCE/RPC calls, not SMB2 commands); remove one of them")
    if r.user is not None and r.command in (Command.NEGOTIATE, Command.SESSION_SETUP, Command.ECHO):
        raise check.fail("user", "the caller is not known yet at NEGOTIATE/SESSION_SETUP/ECHO; remove user")
    if r.fault is not None and not r.rpc_level:
        raise check.fail("fault", "an RPC fault needs an RPC-level match (interface, opnum or operation); "
                                  "for an SMB2 error response use status")
    if r.status is not None and r.fault is not None:
        raise check.fail("fault", "give either status (an error answer) or fault (an RPC fault PDU), not both")
    if r.drop and r.truncate is not None:
        raise check.fail("drop", "give either drop or truncate, not both")
    if r.drop and (r.status is not None or r.fault is not None):
        raise check.fail("drop", "drop sends no answer; remove status/fault (or use truncate)")
    if r.status is None and r.fault is None and not r.delay and r.truncate is None and not r.drop:
        raise check.fail("", "no action; give one of status, fault, delay, truncate, drop")
    if r.command is None and not r.rpc_level and r.pipe is None and r.user is None:
        raise check.fail("", "matches nothing in particular; give command, pipe, interface, opnum, operation or user")


def rule(**fields: Any) -> FaultRule:
    """A validated rule from keyword arguments: ``rule(command="TREE_CONNECT", status="STATUS_ACCESS_DENIED")``."""
    return parse_rule(fields, "<faults>", 1)


def parse_rules(data: Any, source: str = "<faults>") -> tuple[FaultRule, ...]:
    """Rules from parsed YAML: a list, or a mapping with a ``faults:`` list."""
    if isinstance(data, Mapping):
        extra = [str(k) for k in data if k != "faults"]
        if extra:
            raise ConfigError(source, extra[0], "unknown key; allowed: faults")
        data = data.get("faults")
    if data is None:
        return ()
    if isinstance(data, (str, bytes)) or not isinstance(data, Iterable):
        raise ConfigError(source, "faults", f"{data!r} is not a list of rules")
    return tuple(parse_rule(item, source, i) for i, item in enumerate(data, start=1))


def load_faults(path: str | Path) -> FaultEngine:
    """Read and validate a faults YAML file."""
    from smbemu.yamlfile import read_yaml

    return FaultEngine(parse_rules(read_yaml(path), str(path)))


def engine_for(faults: Any, source: str = "<faults>") -> FaultEngine | None:
    """None, an engine, a path to a YAML file, or a list of dicts/`FaultRule` → an engine (or None)."""
    if faults is None:
        return None
    if isinstance(faults, FaultEngine):
        return faults
    if isinstance(faults, (str, Path)):
        return load_faults(faults)
    if isinstance(faults, (FaultRule, Mapping)):
        faults = [faults]
    rules = parse_rules(list(faults), source)
    return FaultEngine(rules) if rules else None


# --------------------------------------------------------------------------- the engine
class FaultEngine:
    """The rules of one server, their counters, and the transport actions not yet applied."""

    def __init__(self, rules: Iterable[FaultRule]) -> None:
        self.rules: tuple[FaultRule, ...] = tuple(rules)
        self.matched = [0] * len(self.rules)
        self.fired = [0] * len(self.rules)
        #: One line per firing, as logged (tests can assert on it).
        self.history: list[str] = []
        #: ("delay", seconds) / ("truncate", n) / ("drop",) for the frame being answered.
        self.pending: list[tuple[Any, ...]] = []
        self._smb = [i for i, r in enumerate(self.rules) if not r.rpc_level]
        self._rpc = [i for i, r in enumerate(self.rules) if r.rpc_level]

    def __repr__(self) -> str:
        return f"<FaultEngine {len(self.rules)} rule(s), fired {self.fired}>"

    def _select(self, candidates: list[int], matches: Any) -> FaultRule | None:
        chosen: FaultRule | None = None
        for i in candidates:
            r = self.rules[i]
            if not matches(r):
                continue
            self.matched[i] += 1
            if chosen is not None:
                continue
            if r.nth is not None and self.matched[i] != r.nth:
                continue
            if r.times is not None and self.fired[i] >= r.times:
                continue
            chosen = r
        return chosen

    def _fire(self, r: FaultRule, what: str) -> None:
        self.fired[r.index - 1] += 1
        label = f" ({r.name})" if r.name else ""
        message = f"fault rule #{r.index}{label} fired: {what} -> {r.describe_action()}"
        self.history.append(message)
        log.info("%s", message)
        if r.delay:
            self.pending.append(("delay", r.delay))
        if r.truncate is not None:
            self.pending.append(("truncate", r.truncate))
        if r.drop:
            self.pending.append(("drop",))

    def take_transport_actions(self) -> list[tuple[Any, ...]]:
        actions, self.pending = self.pending, []
        return actions

    # ---------------------------------------------------------------- requests of a dialect
    def on_request(self, matches: Callable[[FaultRule], bool], what: str) -> FaultRule | None:
        """The SMB rule that fires for a request, if any (its count and history are bookkept):
        ``matches`` is the dialect's test of a rule against the request (the SMB2 one is
        `smbemu.smb2.fault_hooks`), ``what`` names the request in the rule's history."""
        if not self._smb:
            return None
        chosen = self._select(self._smb, matches)
        if chosen is not None:
            self._fire(chosen, what if chosen.pipe is None else f"{what} \\pipe\\{chosen.pipe}")
        return chosen

    @property
    def has_smb_rules(self) -> bool:
        return bool(self._smb)

    # ---------------------------------------------------------------- RPC calls
    def rpc_call(self, *, pipe: str, interface: Any, opnum: int, operation: str,
                 principal: Any) -> tuple[str, int] | None:
        """Called by the RPC endpoint per request: ("fault", code), ("status", code) or None."""
        if not self._rpc:
            return None
        iface_name = str(getattr(interface, "name", "")).lower()
        iface_uuid = str(getattr(interface, "uuid", ""))
        op_lower = operation.lower()

        def matches(r: FaultRule) -> bool:
            if r.interface is not None and r.interface not in (iface_name, iface_uuid):
                return False
            if r.opnum is not None and r.opnum != opnum:
                return False
            if r.operation is not None and r.operation != op_lower:
                return False
            if r.pipe is not None and r.pipe != pipe:
                return False
            if r.user is not None and not user_matches(r.user, principal):
                return False
            return True

        chosen = self._select(self._rpc, matches)
        if chosen is None:
            return None
        self._fire(chosen, f"{iface_name}.{operation or '?'} (opnum {opnum}) on \\pipe\\{pipe}")
        if chosen.fault is not None:
            return ("fault", chosen.fault)
        if chosen.status is not None:
            return ("status", chosen.status)
        return None


def user_matches(user: str, principal: Any) -> bool:
    """Does a rule's ``user`` (a name, or ``anonymous``) name this principal?"""
    if principal is None:
        return False
    if user == "anonymous":
        return bool(getattr(principal, "is_anonymous", False))
    return str(getattr(principal, "user_name", "")).lower() == user
