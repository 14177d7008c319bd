"""Report attachments unpacked safely: gzip, zip or plain, with limits against bombs and huge files.

Reporters send aggregate reports as ``.xml``, ``.xml.gz`` or ``.zip`` and TLS reports as
``.json.gz``. Nothing here trusts a size a header declares: every stream is inflated in bounded
steps and stopped as soon as it passes :data:`MAX_UNPACKED` or inflates more than
:data:`MAX_RATIO` times its packed size (a real report compresses 10–40 times, a bomb a
thousand times and more).

>>> import gzip
>>> unpack(gzip.compress(b"<feedback/>"), "r.xml.gz")
b'<feedback/>'
>>> unpack(b"PK\\x03\\x04 broken", "r.zip")
Traceback (most recent call last):
...
mailkit.deliverability.archive.ReportError: r.zip: not a readable zip archive (file is not a zip file); ask ...
"""

from __future__ import annotations

__all__ = ["MAX_PACKED", "MAX_RATIO", "MAX_UNPACKED", "ReportError", "unpack"]

import io
import zipfile
import zlib

from ..errors import MailkitError

MAX_PACKED = 32 * 1024 * 1024  # what a mail attachment can reasonably be
MAX_UNPACKED = 128 * 1024 * 1024  # Google's largest aggregate reports stay far below this
MAX_RATIO = 400
_STEP = 1024 * 1024


class ReportError(MailkitError):
    """A report that cannot be read: its reason goes into the quarantine."""


def _check_growth(name: str, packed: int, unpacked: int) -> None:
    if unpacked > MAX_UNPACKED:
        raise ReportError(f"{name}: unpacks to more than {MAX_UNPACKED // 2**20} MiB (zip bomb or huge report)")
    if unpacked > _STEP and unpacked > MAX_RATIO * max(packed, 1):
        raise ReportError(
            f"{name}: inflates more than {MAX_RATIO} times its packed size (zip bomb); not unpacked further"
        )


def _gunzip(data: bytes, name: str) -> bytes:
    out = io.BytesIO()
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    pending = data
    try:
        while pending:
            chunk = inflater.decompress(pending, _STEP)
            out.write(chunk)
            _check_growth(name, len(data), out.tell())
            pending = inflater.unconsumed_tail
            if inflater.eof:  # a second gzip member follows: rare, but valid
                pending = inflater.unused_data
                if pending:
                    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        if not inflater.eof:
            raise ReportError(f"{name}: gzip stream is truncated; ask the reporter for the report again")
    except zlib.error as exc:
        raise ReportError(
            f"{name}: not a readable gzip stream ({exc}); ask the reporter for the report again"
        ) from None
    return out.getvalue()


def _unzip(data: bytes, name: str) -> bytes:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) != 1:
            raise ReportError(f"{name}: a report zip holds one file, this one holds {len(members)}")
        out = io.BytesIO()
        with archive.open(members[0]) as stream:
            while chunk := stream.read(_STEP):
                out.write(chunk)
                _check_growth(name, len(data), out.tell())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, zlib.error) as exc:
        raise ReportError(
            f"{name}: not a readable zip archive ({str(exc).lower() or type(exc).__name__}); "
            "ask the reporter for the report again"
        ) from None
    inner = members[0].filename
    return unpack(out.getvalue(), inner) if inner.lower().endswith((".gz", ".zip")) else out.getvalue()


def unpack(data: bytes, name: str = "report") -> bytes:
    """The report's bytes, whatever the packing (told by the content, not the name)."""
    if len(data) > MAX_PACKED:
        raise ReportError(
            f"{name}: {len(data) // 2**20} MiB is larger than a report can be ({MAX_PACKED // 2**20} MiB)"
        )
    if data[:2] == b"\x1f\x8b":
        return _gunzip(data, name)
    if data[:4] == b"PK\x03\x04":
        return _unzip(data, name)
    return data
