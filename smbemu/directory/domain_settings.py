"""SAM domain settings an administrator changes with SamrSetInformationDomain (MS-SAMR 3.1.5.6.1):
the password policy, the lockout policy, the forced-logoff time, the OEM information and the
replica source node name.

The settings are kept twice, on purpose:

* exactly as set, in wire units (``DomainSettings``: 100 ns delta times, MS-SAMR 2.2.4.5), so a
  later SamrQueryInformationDomain / 2 on any connection answers the very value written -- a
  Windows DC stores maxPwdAge, minPwdAge, forceLogoff, lockoutDuration and lockOutObservationWindow
  as those 64-bit values (MS-SAMR 3.1.5.14.8 maps the fields to the attributes one to one);
* in the directory's own units (`PasswordPolicy` days / minutes, `LockoutPolicy` minutes), which
  the checks the directory already makes read: minimum length, history, complexity, minimum and
  maximum age (`smbemu.directory.changes`, ``pipes/samr/users.py``), the lockout threshold,
  duration and window (`smbemu.directory.lookup`).  A delta that is not a whole number of days
  (minutes) is rounded to the nearest one for those checks (U: Windows compares the exact values).

``--state`` keeps the exact values (`smbemu.directory.persist`, key ``domain_settings``) and
``smbemu fixture export`` writes the rounded policy (the fixture format counts days and minutes).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Final

from smbemu.directory.model import LockoutPolicy, PasswordPolicy, SamDomain

__all__ = ["DELTA_NEVER", "TICKS_PER_MINUTE", "TICKS_PER_DAY", "apply_settings", "SETTING_NAMES"]

#: MS-SAMR 2.2.4.5: the largest negative 64-bit value means "never" in a delta time.
DELTA_NEVER: Final = -0x8000000000000000
TICKS_PER_MINUTE: Final = 60 * 10_000_000
TICKS_PER_DAY: Final = 24 * 60 * TICKS_PER_MINUTE
#: PasswordProperties bits the directory models (MS-SAMR 2.2.3.5 / 2.2.4.16 DOMAIN_PASSWORD_COMPLEX
#: 0x1, DOMAIN_PASSWORD_STORE_CLEARTEXT 0x10); the other bits are kept for the query only.
_COMPLEX: Final = 0x1
_CLEARTEXT: Final = 0x10
#: The settings by name, in the units of the wire (delta times in 100 ns ticks, negative).
SETTING_NAMES: Final = ("min_length", "history", "properties", "max_age", "min_age", "force_logoff",
                        "oem_information", "replica_source", "lockout_threshold", "lockout_duration",
                        "lockout_window")


def _units(delta: int, unit: int) -> int:
    """A delta in whole ``unit`` (days, minutes), rounded; "never" (and 0) is 0."""
    if delta == DELTA_NEVER:
        return 0
    return round(-delta / unit)


def apply_settings(domain: SamDomain, settings: dict[str, Any]) -> None:
    """Make ``domain``'s password and lockout policies say what ``settings`` say (missing names
    keep the domain's value)."""
    pw, lockout = domain.password_policy, domain.lockout_policy
    changes: dict[str, Any] = {}
    if "min_length" in settings:
        changes["min_length"] = int(settings["min_length"])
    if "history" in settings:
        changes["history"] = int(settings["history"])
    if "properties" in settings:
        bits = int(settings["properties"])
        changes["complexity"] = bool(bits & _COMPLEX)
        changes["reversible"] = bool(bits & _CLEARTEXT)
    if "max_age" in settings:
        changes["max_age_days"] = _units(int(settings["max_age"]), TICKS_PER_DAY)
    if "min_age" in settings:
        changes["min_age_days"] = _units(int(settings["min_age"]), TICKS_PER_DAY)
    if "force_logoff" in settings:
        value = int(settings["force_logoff"])
        changes["force_logoff_minutes"] = None if value == DELTA_NEVER else _units(value, TICKS_PER_MINUTE)
    lockout_changes: dict[str, Any] = {}
    if "lockout_threshold" in settings:
        lockout_changes["threshold"] = int(settings["lockout_threshold"])
    if "lockout_duration" in settings:
        lockout_changes["duration_minutes"] = _units(int(settings["lockout_duration"]), TICKS_PER_MINUTE)
    if "lockout_window" in settings:
        lockout_changes["window_minutes"] = max(1, _units(int(settings["lockout_window"]), TICKS_PER_MINUTE))
    new_pw: PasswordPolicy = dataclasses.replace(pw, **changes)
    new_lockout: LockoutPolicy = dataclasses.replace(lockout, **lockout_changes)
    domain.replace_policies(new_pw, new_lockout)
