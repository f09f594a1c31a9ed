"""Profiles: how the emulated server behaves, one YAML file per Windows release (``policies/``).

A profile says which dialects the server offers, whether it requires signing, which identity strings it
reports, and the anonymous-access knobs under the names Windows gives them (RestrictAnonymous,
NullSessionPipes, ...). What the machine *contains* is the fixture's business (`smbemu.directory`).

* ``policies/_base.yaml`` holds every key with its default and a comment naming the registry value or
  security option it mirrors; it is the root every other profile extends.
* ``policies/<release>.yaml`` says ``extends: <other>`` and only what differs. A new release is a new
  file; the Python code does not change.
* `load_profile` validates while merging: an unknown key, a wrong type, an out-of-range value or an
  unknown dialect is one `ConfigError` line naming the file, the key path and what is allowed.
* ``--set KEY=VALUE`` overrides (`load_profile(..., overrides=...)`) take the full key path
  (``anonymous.RestrictAnonymous``), the Windows value name (``RestrictAnonymous``,
  ``RequireSecuritySignature``), the Python attribute name (``restrict_anonymous``) or any unambiguous
  last segment (``dialects``); values are parsed with the key's type (``NullSessionPipes=`` is the empty
  list, lists are comma-separated) and validated the same way, with ``--set`` named as the source.
* `explain` lists every effective value with the file (or ``--set``) it came from.

The built-in default profile is **win2000**: smbemu exists to show what a null session could take from
an old Windows server (shares, users, groups, password policy, SID lookups), so the zero-flag quick start
shows exactly that. Pick ``--profile win2016`` (or a ``-dc`` variant) for a modern, refusing server.

The package follows the seams: `model` (the Profile dataclasses), `sddl` (RestrictRemoteSam's
descriptor), `schema` (every key, its type and what is allowed), `loading` (files, ``extends``,
``--set``) and `render` (values as ``profiles show`` prints them). Everything public is importable
from ``smbemu.profiles``.
"""

from __future__ import annotations

from smbemu.profiles.loading import (
    BASE_PROFILE,
    DEFAULT_PROFILE,
    SET_SOURCE,
    directory_for,
    list_profiles,
    load_profile,
    profile_path,
)
from smbemu.profiles.model import (
    SERVER_TYPE_BITS,
    AnonymousSettings,
    Identity,
    NtlmIdentity,
    Profile,
    RpcSettings,
    SmbSettings,
    SrvsvcIdentity,
)
from smbemu.profiles.render import diff, explain, format_value
from smbemu.profiles.schema import KEYS
from smbemu.profiles.sddl import Ace, SecurityDescriptor, parse_sddl

__all__ = [
    "DEFAULT_PROFILE",
    "BASE_PROFILE",
    "SET_SOURCE",
    "Profile",
    "Identity",
    "NtlmIdentity",
    "SrvsvcIdentity",
    "SmbSettings",
    "AnonymousSettings",
    "RpcSettings",
    "SecurityDescriptor",
    "Ace",
    "SERVER_TYPE_BITS",
    "KEYS",
    "load_profile",
    "list_profiles",
    "profile_path",
    "explain",
    "diff",
    "format_value",
    "parse_sddl",
    "directory_for",
]
