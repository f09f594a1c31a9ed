"""The README's profile matrix: what a null-session tool does step by step (:data:`ACTIONS`), the
first step the policy refuses (:func:`first_refusal`), and the markdown tables generated from
the built-in profiles (``python -m smbemu.policy matrix``, ``--write README.md`` to refresh)."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from smbemu.policy.access import MAXIMUM_ALLOWED, POLICY_LOOKUP_NAMES
from smbemu.policy.engine import Policy
from smbemu.policy.rules import Decision
from smbemu.status import status_name

__all__ = ["Step", "ACTIONS", "MATRIX_VARIANTS", "MATRIX_BEGIN", "MATRIX_END", "first_refusal",
           "matrix_rows", "identity_rows", "render_matrix", "readme_matrix", "main"]

# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Step:
    """One step of a client action: ``tree-connect`` (``name`` = share), ``pipe-open``
    (``name`` = pipe) or an RPC call (``interface`` / ``name`` = operation, ``level``,
    ``access`` = the DesiredAccess the tool asks for when the call opens a handle)."""

    step: str  # "tree-connect" | "pipe-open" | "rpc"
    name: str
    interface: str = ""
    level: int | None = None
    access: int | None = None

    @property
    def label(self) -> str:
        if self.step == "tree-connect":
            return f"TREE_CONNECT {self.name}"
        if self.step == "pipe-open":
            return f"CREATE \\pipe\\{self.name}"
        return self.name

    def ask(self, policy: Policy, principal: Any) -> Decision:
        if self.step == "tree-connect":
            return policy.tree_connect(principal, self.name, "ipc" if self.name.upper() == "IPC$" else "disk")
        if self.step == "pipe-open":
            return policy.pipe_open(principal, self.name)
        return policy.decide(principal, self.interface, self.name, self.level, access=self.access)


def _rpc(interface: str, operation: str, level: int | None = None, access: int | None = None) -> Step:
    return Step("rpc", operation, interface, level, access)


_IPC = Step("tree-connect", "IPC$")
_SAMR_DOMAIN = (_IPC, Step("pipe-open", "samr"), _rpc("samr", "SamrConnect5", access=MAXIMUM_ALLOWED),
                _rpc("samr", "SamrOpenDomain", access=MAXIMUM_ALLOWED))
_LSA_OPEN = (_IPC, Step("pipe-open", "lsarpc"), _rpc("lsarpc", "LsarOpenPolicy2", access=MAXIMUM_ALLOWED))

_MAX = MAXIMUM_ALLOWED
#: Other SAMR paths to the same names and details (issue 14 item 4): one call lists a group's or
#: an alias's members, a user's groups, or one account's details; the RIDs a member list returns
#: are then named with SamrLookupIdsInDomain.  rpcclient's names in the comments.
_GROUP_MEMBERS = (*_SAMR_DOMAIN, _rpc("samr", "SamrOpenGroup", access=_MAX),        # querygroupmem 0x201
                  _rpc("samr", "SamrGetMembersInGroup"), _rpc("samr", "SamrLookupIdsInDomain"))
_ALIAS_MEMBERS = (*_SAMR_DOMAIN, _rpc("samr", "SamrOpenAlias", access=_MAX),        # queryaliasmem builtin 0x220
                  _rpc("samr", "SamrGetMembersInAlias"))
_USER_INFO = (*_SAMR_DOMAIN, _rpc("samr", "SamrOpenUser", access=_MAX),             # queryuser 0x1f4
              _rpc("samr", "SamrQueryInformationUser2", 21))
_USER_GROUPS = (*_SAMR_DOMAIN, _rpc("samr", "SamrOpenUser", access=_MAX),           # queryusergroups 0x1f4
                _rpc("samr", "SamrGetGroupsForUser"), _rpc("samr", "SamrLookupIdsInDomain"))

#: Matrix columns: (title, alternatives); each alternative is (what it is called, its steps).
#: The first alternative is what the column means; a later one is another way to the same data,
#: so a cell says "yes" only when the column's own path works, and names every other path that
#: still yields the data ("querygroupmem only; enumdomusers: ...").
ACTIONS: Final[tuple[tuple[str, tuple[tuple[str, tuple[Step, ...]], ...]], ...]] = (
    ("share enum", (("NetrShareEnum level 1", (_IPC, Step("pipe-open", "srvsvc"),
                                                _rpc("srvsvc", "NetrShareEnum", 1))),)),
    ("user enum", (("enumdomusers", (*_SAMR_DOMAIN, _rpc("samr", "SamrEnumerateUsersInDomain"))),
                   ("querydispinfo", (*_SAMR_DOMAIN, _rpc("samr", "SamrQueryDisplayInformation", 1))),
                   ("querygroupmem", _GROUP_MEMBERS),
                   ("queryuser", _USER_INFO))),
    ("group enum", (("enumdomgroups", (*_SAMR_DOMAIN, _rpc("samr", "SamrEnumerateGroupsInDomain"))),
                    ("queryusergroups", _USER_GROUPS),
                    ("queryaliasmem", _ALIAS_MEMBERS))),
    ("password policy", (
        ("querydominfo", (*_SAMR_DOMAIN, _rpc("samr", "SamrQueryInformationDomain", 1))),
        ("getdompwinfo", (_IPC, Step("pipe-open", "samr"), _rpc("samr", "SamrGetDomainPasswordInformation"))),
    )),
    ("SID / name lookup", (("lookupnames / lookupsids", (
        *_LSA_OPEN, _rpc("lsarpc", "LsarLookupNames"), _rpc("lsarpc", "LsarLookupSids"))),)),
    ("RID cycling", (("lookupsid.py", (
        _IPC, Step("pipe-open", "lsarpc"),
        _rpc("lsarpc", "LsarOpenPolicy2", access=MAXIMUM_ALLOWED | POLICY_LOOKUP_NAMES),
        _rpc("lsarpc", "LsarQueryInformationPolicy2", 5), _rpc("lsarpc", "LsarLookupSids"))),
                     ("samlookuprids", (*_SAMR_DOMAIN, _rpc("samr", "SamrLookupIdsInDomain"))))),
)


def first_refusal(policy: Policy, principal: Any, steps: Sequence[Step]) -> tuple[Step, Decision] | None:
    """The first step the policy refuses, with its decision; None when every step is allowed."""
    for step in steps:
        decision = step.ask(policy, principal)
        if not decision.allowed:
            return step, decision
    return None


def _cell(policy: Policy, alternatives: tuple[tuple[str, tuple[Step, ...]], ...]) -> str:
    outcomes = [(name, first_refusal(policy, "anonymous", steps)) for name, steps in alternatives]
    main = outcomes[0][1]
    if main is None:
        return "yes"
    refused = f"`{main[0].label}` → {status_name(main[1].status)}"
    others = [name for name, outcome in outcomes[1:] if outcome is None]
    if others:
        return f"{' / '.join(others)} only; {outcomes[0][0]}: {refused}"
    return f"no: {refused}"


#: Extra matrix rows: hardening exercises on top of a profile (``--set`` overrides).
MATRIX_VARIANTS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("win2000", ("RestrictAnonymous=1",)),
    ("win2000", ("RestrictAnonymous=2",)),
    ("win2003-dc", ("pre2000_compatible_access_members=Everyone,ANONYMOUS LOGON",)),
)


def _builtin_profiles() -> list[tuple[str, Any]]:
    """(name, profile) of every built-in profile, oldest release first (version, build, name)."""
    from smbemu.profiles import list_profiles, load_profile

    loaded = [(name, load_profile(name)) for name in list_profiles()]
    return sorted(loaded, key=lambda item: (item[1].identity.version, item[1].identity.build, item[0]))


def matrix_rows() -> list[tuple[str, list[str]]]:
    """(row title, cells) for every built-in profile (oldest release first), then
    :data:`MATRIX_VARIANTS`."""
    from smbemu.profiles import load_profile

    rows: list[tuple[str, list[str]]] = []
    variants: list[tuple[str, tuple[str, ...], Any]] = [(name, (), profile) for name, profile in _builtin_profiles()]
    variants += [(name, overrides, load_profile(name, overrides)) for name, overrides in MATRIX_VARIANTS]
    for name, overrides, profile in variants:
        policy = Policy(profile)
        title = f"`{name}`" + "".join(f" `--set {o}`" for o in overrides)
        rows.append((title, [_cell(policy, alternatives) for _, alternatives in ACTIONS]))
    return rows


MATRIX_BEGIN: Final = "<!-- profile-matrix:begin (generated by `python -m smbemu.policy matrix --write README.md`; do not edit) -->"
MATRIX_END: Final = "<!-- profile-matrix:end -->"


def identity_rows() -> list[list[str]]:
    """profile, role, OS, dialects, signing required, NTLM VERSION for every built-in profile."""
    rows = []
    for name, profile in _builtin_profiles():
        identity, smb = profile.identity, profile.smb
        version = "not sent" if identity.ntlm_version is None else ".".join(map(str, identity.ntlm_version))
        # SMB1's one dialect (NT LM 0.12) where the profile serves it, then the SMB2 dialects.
        dialects = ", ".join((["NT LM 0.12"] if smb.smb1 else []) + [_dialect_label(d) for d in smb.dialects])
        rows.append([f"`{name}`", profile.role, f"{identity.os_name} ({identity.os_version}.{identity.build})",
                     dialects, "yes" if smb.signing_required else "no", version])
    return rows


def _dialect_label(dialect: int) -> str:
    return f"{dialect >> 8}.{(dialect >> 4) & 0xF}" + (f".{dialect & 0xF}" if dialect & 0xF else "")


def render_matrix() -> str:
    """The README's profile tables (markdown, between the markers): identity and SMB per profile,
    then what a null session gets."""
    lines = [MATRIX_BEGIN, "", "| profile | role | reports itself as | dialects offered | signing required | NTLM VERSION |",
             "|---|---|---|---|---|---|"]
    lines += ["| " + " | ".join(row) + " |" for row in identity_rows()]
    header = "| NULL session | " + " | ".join(title for title, _ in ACTIONS) + " |"
    lines += ["", header, "|" + "---|" * (len(ACTIONS) + 1)]
    for title, cells in matrix_rows():
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    lines += ["", MATRIX_END]
    return "\n".join(lines)


_MATRIX_BLOCK = re.compile(re.escape(MATRIX_BEGIN.split(" (")[0]) + r".*?" + re.escape(MATRIX_END), re.S)


def readme_matrix(text: str) -> str | None:
    """The generated block of a README text, or None when the markers are missing."""
    match = _MATRIX_BLOCK.search(text)
    return match.group(0) if match else None


def main(argv: Sequence[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m smbemu.policy",
                                     description="the null-session matrix generated from the profiles")
    commands = parser.add_subparsers(dest="command", required=True)
    matrix = commands.add_parser("matrix", help="print the profile matrix (markdown)")
    matrix.add_argument("--write", metavar="README", help="replace the block between the markers in this file")
    matrix.add_argument("--check", metavar="README", help="exit 1 if the file's block is stale")
    args = parser.parse_args(argv)
    return apply_block(render_matrix(), readme_matrix, args.write or args.check, check=bool(args.check),
                       markers=(MATRIX_BEGIN, MATRIX_END), what="the profile matrix",
                       command="python -m smbemu.policy matrix")


def apply_block(block: str, find: Callable[[str], str | None], target: str | None, *, check: bool,
                markers: tuple[str, str], what: str, command: str) -> int:
    """Print a generated README block, or check / replace it between its markers in ``target``
    (the README tables' shared ``--check`` / ``--write``)."""
    if target is None:
        print(block)
        return 0
    path = Path(target)
    text = path.read_text(encoding="utf-8")
    current = find(text)
    if current is None:
        print(f"{target}: no {markers[0].split(' (')[0]} ... {markers[1]} markers", file=sys.stderr)
        return 1
    if check:
        if current != block:
            print(f"{target}: {what} is stale; run {command} --write {target}", file=sys.stderr)
            return 1
        return 0
    path.write_text(text.replace(current, block), encoding="utf-8")
    return 0
