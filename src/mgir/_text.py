"""Text that people give mgir as bytes: decoded as UTF-8 or refused with the byte named."""

from __future__ import annotations

from mgir._errors import InvalidInputError

__all__ = ["decode_utf8"]


def decode_utf8(content: bytes, *, field: str) -> str:
    """``content`` as text (UTF-8, a byte-order mark dropped).

    Raises
    ------
    InvalidInputError
        Naming ``field``, the offending byte's position and its bytes.
    """
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(
            field=f"{field} byte {exc.start}",
            value=content[exc.start : exc.start + 4].hex(" "),
            allowed="UTF-8 text",
        ) from None
