"""Pagination cursors: a forged huge cursor is an empty page, never a server error."""

from __future__ import annotations

from hub.http.schemas import PageQuery, page_offset


def test_huge_cursor_is_clamped_to_a_64_bit_offset() -> None:
    """A 64-hex-digit cursor maps to an offset SQLite and PostgreSQL accept."""
    offset = page_offset(PageQuery(cursor="f" * 64))
    assert 0 < offset < 2**63
    assert page_offset(PageQuery(cursor="1a")) == 26
