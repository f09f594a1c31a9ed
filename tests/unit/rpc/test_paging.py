"""The one pager of the resume-handle enumerations (smbemu.rpc.paging).

The property tests replay the five pagers it replaced (srvsvc's and wkssvc's NetApi pagers,
samr's SamrEnumerate* / SamrQueryDisplayInformation pager, lsarpc's two EnumerationContext
loops) as they were written and check the shared one gives the same answer for generated
entries, buffer sizes, resume handles and entry counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from smbemu.rpc.paging import MAX_PREFERRED_LENGTH, Page, netapi_entry_size, page
from smbemu.status import ERROR_MORE_DATA, ERROR_SUCCESS, STATUS_MORE_ENTRIES, STATUS_SUCCESS

# ------------------------------------------------------------------ the replaced copies


def _old_netapi_page(entries: Sequence[dict[str, Any]], prefered_max: int,
                     resume: int | None) -> tuple[list[dict[str, Any]], int, int | None, int]:
    start = resume or 0
    remaining = entries[start:] if start < len(entries) else []
    if prefered_max == MAX_PREFERRED_LENGTH:
        taken = list(remaining)
    else:
        taken, used = [], 0
        for entry in remaining:
            size = 4 * len(entry) + sum(2 * (len(v) + 1) for v in entry.values() if isinstance(v, str))
            if taken and used + size > prefered_max:
                break
            taken.append(entry)
            used += size
    more = len(taken) < len(remaining)
    next_handle = None if resume is None else (start + len(taken) if more else 0)
    return taken, len(remaining), next_handle, ERROR_MORE_DATA if more else ERROR_SUCCESS


def _old_samr_page(sizes: Sequence[int], start: int, max_length: int,
                   max_count: int | None = None) -> int:
    taken, used = 0, 0
    for index in range(start, len(sizes)):
        size = sizes[index]
        if taken and (used + size > max_length or (max_count is not None and taken >= max_count)):
            break
        if max_count is not None and taken >= max_count:
            break
        taken += 1
        used += size
    return taken


def _old_lsa_page(items: Sequence[int], start: int, max_length: int) -> tuple[list[int], int, int]:
    taken: list[int] = []
    used = 0
    for size in items[start:]:
        if taken and used + size > max_length:
            break
        taken.append(size)
        used += size
    end = start + len(taken)
    return taken, end, STATUS_MORE_ENTRIES if end < len(items) else STATUS_SUCCESS


# ------------------------------------------------------------------ equivalence

_STRINGS = st.text(alphabet="abcXYZ$é", max_size=12)
_ENTRY = st.dictionaries(st.sampled_from(["name", "comment", "path", "type", "uses"]),
                         st.one_of(_STRINGS, st.integers(0, 9)), min_size=1, max_size=5)
_BUFFER = st.one_of(st.integers(0, 400), st.just(MAX_PREFERRED_LENGTH))


@settings(max_examples=300, deadline=None)
@given(st.lists(_ENTRY, max_size=20), _BUFFER, st.one_of(st.none(), st.integers(0, 25)))
def test_netapi_pages_as_srvsvc_and_wkssvc_did(entries: list[dict[str, Any]], buffer: int,
                                                resume: int | None) -> None:
    got = page(entries, resume or 0, buffer, netapi_entry_size)
    assert (got.items, got.remaining, got.resume_handle(resume), got.werror) == \
        _old_netapi_page(entries, buffer, resume)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(1, 80), max_size=20), st.integers(0, 25), _BUFFER,
       st.one_of(st.none(), st.integers(0, 6)))
def test_samr_pages_as_samr_did(sizes: list[int], context: int, buffer: int,
                                count: int | None) -> None:
    start = min(context, len(sizes))
    got = page(range(len(sizes)), start, buffer, sizes.__getitem__, max_count=count)
    taken = _old_samr_page(sizes, start, buffer, count)
    assert got.end == start + taken
    assert (got.ntstatus == STATUS_MORE_ENTRIES) == (start + taken < len(sizes))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(1, 80), min_size=1, max_size=20), st.integers(0, 19), _BUFFER)
def test_lsa_pages_as_lsarpc_did(sizes: list[int], context: int, buffer: int) -> None:
    start = min(context, len(sizes) - 1)  # lsarpc answers STATUS_NO_MORE_ENTRIES past the end first
    got = page(sizes, start, buffer, int)
    assert (got.items, got.end, got.ntstatus) == _old_lsa_page(sizes, start, buffer)


# ------------------------------------------------------------------ the rules, by example


def test_at_least_one_entry_even_when_it_does_not_fit() -> None:
    got = page(["a", "b"], 0, 1, lambda _: 100)
    assert got.items == ["a"] and got.more and got.werror == ERROR_MORE_DATA
    assert got.ntstatus == STATUS_MORE_ENTRIES and got.resume_handle(0) == 1


def test_the_last_page_completes_the_enumeration() -> None:
    got = page(["a", "b", "c"], 1, 10, lambda _: 5)
    assert got == Page(["b", "c"], 1, 2)
    assert not got.more and got.end == 3
    assert got.werror == ERROR_SUCCESS and got.ntstatus == STATUS_SUCCESS
    assert got.resume_handle(1) == 0        # MS-SRVS: 0 once complete
    assert got.resume_handle(None) is None  # a NULL handle stays NULL


def test_max_preferred_length_takes_everything_without_measuring() -> None:
    def no_measuring(_: str) -> int:
        raise AssertionError("sized")

    got = page(["a", "b", "c"], 0, MAX_PREFERRED_LENGTH, no_measuring)
    assert got.items == ["a", "b", "c"] and not got.more


def test_past_the_end_and_max_count() -> None:
    assert page(["a"], 5, 100, len) == Page([], 5, 0)
    zero = page(["a", "b"], 0, 100, len, max_count=0)
    assert zero.items == [] and zero.more and zero.ntstatus == STATUS_MORE_ENTRIES
    assert page(["a", "b", "c"], 0, 100, len, max_count=2).items == ["a", "b"]


def test_sizes_are_asked_for_the_page_only() -> None:
    asked: list[int] = []

    def size(entry: int) -> int:
        asked.append(entry)
        return 10

    page(list(range(1000)), 500, 25, size)
    assert asked == [500, 501, 502]  # two fit, the third is measured and left


def test_netapi_entry_size() -> None:
    # 4 bytes per field, strings in UTF-16 with their NUL
    assert netapi_entry_size({"shi1_netname": "IPC$", "shi1_type": 3, "shi1_remark": ""}) == 12 + 10 + 2
