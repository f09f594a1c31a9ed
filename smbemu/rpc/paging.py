"""One pager for the resume-handle enumerations (srvsvc, wkssvc, samr, lsarpc).

Every Enum method of these interfaces pages the same way: the client names where to start (a
resume handle, an EnumerationContext or an Index) and a preferred maximum buffer size
(``PreferedMaximumLength``); the server returns as many entries as fit in that size, and
always at least one so a client with a tiny buffer still progresses (MS-SRVS 3.1.4.8,
MS-WKST 3.2.4.x, MS-SAMR 3.1.5.2.x / 3.1.5.3.x, MS-LSAD 3.1.4.5.1).  What differs per interface
is only how an entry's size is counted (the caller's ``size`` function) and how "more to come"
is said: a NetApi call returns ERROR_MORE_DATA and a resume handle (`Page.werror`,
`Page.resume_handle`), SAMR and LSA return STATUS_MORE_ENTRIES and the next context
(`Page.ntstatus`, `Page.end`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar

from smbemu.status import ERROR_MORE_DATA, ERROR_SUCCESS, STATUS_MORE_ENTRIES, STATUS_SUCCESS

__all__ = ["MAX_PREFERRED_LENGTH", "Page", "page", "netapi_entry_size"]

#: MS-SRVS 2.2.2.2 / MS-WKST 2.2.1.3: "return all the data available" (a DWORD of all ones).
MAX_PREFERRED_LENGTH: Final = 0xFFFFFFFF

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page: ``items`` are the entries returned, taken from index ``start``; ``remaining``
    counts the entries from ``start`` to the end (the NetApi ``TotalEntries``)."""

    items: list[T]
    start: int
    remaining: int

    @property
    def end(self) -> int:
        """Index of the first entry not returned (the next EnumerationContext / Index)."""
        return self.start + len(self.items)

    @property
    def more(self) -> bool:
        """True while entries are left after this page."""
        return len(self.items) < self.remaining

    @property
    def werror(self) -> int:
        """The NetApi return value: ERROR_MORE_DATA while entries remain, else NERR_Success."""
        return ERROR_MORE_DATA if self.more else ERROR_SUCCESS

    @property
    def ntstatus(self) -> int:
        """The SAMR / LSA return value: STATUS_MORE_ENTRIES while entries remain."""
        return STATUS_MORE_ENTRIES if self.more else STATUS_SUCCESS

    def resume_handle(self, requested: int | None) -> int | None:
        """The NetApi [in, out, unique] resume handle: NULL stays NULL, the next index while
        entries remain, 0 once the enumeration is complete (its value is implementation
        specific, MS-SRVS 4.1)."""
        if requested is None:
            return None
        return self.end if self.more else 0


def page(entries: Sequence[T], start: int, max_length: int, size: Callable[[T], int],
         max_count: int | None = None) -> Page[T]:
    """The entries from index ``start`` that fit in ``max_length`` bytes, each counted as
    ``size(entry)``; at least one if any remain (unless ``max_count`` is 0), at most
    ``max_count`` when given (SamrQueryDisplayInformation's EntryCount).  MAX_PREFERRED_LENGTH
    takes everything without measuring.  Sizes are asked for lazily: a page costs the entries
    it returns plus one."""
    start = max(start, 0)
    remaining = max(len(entries) - start, 0)
    limit = remaining if max_count is None else min(remaining, max(max_count, 0))
    if max_length == MAX_PREFERRED_LENGTH:
        return Page(list(entries[start:start + limit]), start, remaining)
    taken: list[T] = []
    used = 0
    for index in range(start, start + limit):
        entry = entries[index]
        entry_size = size(entry)
        if taken and used + entry_size > max_length:
            break
        taken.append(entry)
        used += entry_size
    return Page(taken, start, remaining)


def netapi_entry_size(entry: Mapping[str, Any]) -> int:
    """The NetApi buffer size of one srvsvc / wkssvc entry as the pager counts it: 4 bytes per
    field plus each string in UTF-16 with its NUL (the server's own estimate is not documented;
    this one keeps the page boundaries where they have always been)."""
    return 4 * len(entry) + sum(2 * (len(v) + 1) for v in entry.values() if isinstance(v, str))
