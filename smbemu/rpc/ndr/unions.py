"""Unions (C706 14.3.8): encapsulated and non-encapsulated, the value a ``(tag, arm)`` tuple."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from smbemu.rpc.ndr.primitives import NdrType, Primitive
from smbemu.rpc.ndr.stream import Decoder, Encoder, NdrError, pad_to
from smbemu.status import NCA_S_FAULT_INVALID_TAG


_NO_DEFAULT: Final = object()


class Union(NdrType):
    """``Union(switch_type, {case: TYPE or None}, default=TYPE)``; value ``(tag, arm)``.

    NDR puts the discriminant on the wire in front of the arm for both kinds of union
    (C706 14.3.8).  A non-encapsulated union (``[switch_is(Level)]`` on the field or
    parameter) aligns the arm to the arm's own alignment; an encapsulated one
    (``encapsulated=True``) aligns it to the largest alignment of all arms.  An unknown tag
    without a default arm is nca_s_fault_invalid_tag.

    ``ms_union=True`` is the IDL attribute of that name (MS-RPCE 2.2.4.5): a non-encapsulated
    union of an interface declared ``ms_union`` (MS-SAMR's, for one) aligns the selected arm to
    the largest alignment of all arms, as an encapsulated union does, where plain NDR aligns it
    to its own.  NDR64 ignores the attribute (it aligns every union so, MS-RPCE 2.2.5.3.4.4).
    """

    __slots__ = ("switch", "arms", "default_arm", "encapsulated", "_arm_mask")

    def __init__(self, switch_type: Primitive, arms: Mapping[int, NdrType | None],
                 default: NdrType | None | object = _NO_DEFAULT, *, encapsulated: bool = False,
                 ms_union: bool = False, name: str = "union") -> None:
        all_arms = [t for t in arms.values() if t is not None]
        if isinstance(default, NdrType):
            all_arms.append(default)
        for t in all_arms:
            if t.conformant:
                raise TypeError(f"{name}: conformant union arm {t.name}")
        arm_align = max((t.align for t in all_arms), default=1)
        super().__init__(name, max(switch_type.align, arm_align),
                         has_buffers=any(t.has_buffers for t in all_arms),
                         min_size=switch_type.min_size)
        self.switch = switch_type
        self.arms = dict(arms)
        self.default_arm = default
        # Both kinds align the arm the same way from here on (``encapsulated`` only means "align
        # the arm to the largest arm alignment"; the discriminant goes first either way).
        self.encapsulated = encapsulated or ms_union
        self._arm_mask = arm_align - 1

    def _arm(self, tag: int) -> NdrType | None:
        try:
            return self.arms[tag]
        except KeyError:
            if self.default_arm is _NO_DEFAULT:
                raise NdrError(f"{self.name}: no arm for tag {tag}",
                               NCA_S_FAULT_INVALID_TAG) from None
            return self.default_arm  # type: ignore[return-value]

    def push(self, e: Encoder, v: Any) -> None:
        tag, value = v
        self.switch.push(e, tag)
        arm = self._arm(tag)
        if arm is not None:
            if self.encapsulated:
                pad_to(e, self._arm_mask)
            arm.push(e, value)

    def push_deferred(self, e: Encoder, v: Any) -> None:
        tag, value = v
        arm = self._arm(tag)
        if arm is not None and arm.has_buffers:
            arm.push_deferred(e, value)

    def pull(self, d: Decoder) -> tuple[int, Any]:
        tag = self.switch.pull(d)
        arm = self._arm(tag)
        if arm is None:
            return (tag, None)
        if self.encapsulated:
            d.pos += -d.pos & self._arm_mask
        return (tag, arm.pull(d))

    def pull_deferred(self, d: Decoder, v: Any) -> Any:
        tag, value = v
        arm = self._arm(tag)
        if arm is None or not arm.has_buffers:
            return v
        return (tag, arm.pull_deferred(d, value))

    def default(self) -> tuple[int, Any]:
        if not self.arms:
            arm = self.default_arm
            return (0, arm.default() if isinstance(arm, NdrType) else None)
        tag = min(self.arms)
        arm = self.arms[tag]
        return (tag, None if arm is None else arm.default())
