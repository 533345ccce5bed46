"""The issued document as a PDF aiming at PDF/A-2b, drawn with ReportLab.

PDF/A-2b asks for every font embedded, an OutputIntent with an ICC profile and XMP
metadata that agrees with the document information dictionary:

- the text is set in Pretendard GOV, KRDS's typeface, from the TrueType files that
  ``make install`` brings with the npm package ``pretendard-gov`` (ReportLab embeds
  TrueType subsets; it cannot embed the CFF ``.otf`` files), and the canvas starts in
  it, so no unembedded standard font is ever referenced;
- the sRGB profile of the OutputIntent is made by Little CMS through Pillow
  (``ImageCms.createProfile("sRGB")``), so no binary profile is committed;
- the XMP packet (with ``pdfaid:part`` 2 and ``pdfaid:conformance`` B) is written by
  pyHanko in the same incremental update that signs the document, which keeps the
  information dictionary and the XMP in step (see :func:`prepare_pdfa`).

The QR code is drawn as vector squares from the ``qrcode`` package's matrix: nothing to
rasterise, nothing transparent.
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import qrcode
import qrcode.util
from django.conf import settings
from django.utils.translation import gettext as _
from PIL import ImageCms
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.metadata.model import (
    NS,
    VENDOR,
    DocumentMetadata,
    ExpandedName,
    XmpStructure,
    XmpValue,
)
from pyhanko.pdf_utils.metadata.xmp_xml import MetadataStream
from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from egov.core.errors import ApplicationError

REGULAR = "PretendardGOV"
BOLD = "PretendardGOV-Bold"
FONT_FILES = {REGULAR: "PretendardGOV-Regular.ttf", BOLD: "PretendardGOV-Bold.ttf"}


class FontMissing(ApplicationError):
    """The Korean TrueType font is not installed: documents cannot be drawn."""

    status = 503
    code = "certificate_font_missing"


@dataclass(frozen=True)
class Page:
    """What goes on the document, already resolved to text."""

    number: str
    title_ko: str
    title_en: str
    rows: Sequence[tuple[str, str]]  # (label, value)
    authority: str
    issued_at: datetime  # in the deployment's zone
    verify_until: str
    verify_url: str


def format_number(number: str) -> str:
    """A confirmation number in four groups of four, as printed and as typed (1234-5678-9012-3456)."""
    return "-".join(number[i : i + 4] for i in range(0, len(number), 4))


# How many distinct subsets of one weight are kept, made and compressed (ADR 0145). The bold
# weight of a template sets only its title and labels, so one entry per template is used
# again by every document; the regular weight also sets each document's own values.
SUBSETS_KEPT = 64


class _KeptFlate:
    """ReportLab's Flate filter for embedded font files, answering again for bytes it has compressed already.

    The font file of a subset is the same bytes object each time that subset recurs (see
    :class:`_KeptTablesFont`), so its compressed form is looked up, not computed again:
    the same bytes ReportLab's own ``PDFZCompress`` writes, at the same level.
    """

    pdfname = "FlateDecode"

    def __init__(self) -> None:
        self._compressed = functools.lru_cache(maxsize=SUBSETS_KEPT)(zlib.compress)

    def encode(self, data: bytes) -> bytes:
        return self._compressed(data)

    def forget(self) -> None:
        self._compressed.cache_clear()


_FONT_FILE_FLATE = _KeptFlate()


@functools.lru_cache(maxsize=SUBSETS_KEPT)
def _font_subset(face: Any, codes: tuple[int, ...]) -> bytes:
    """The TrueType file of one subset of ``face``, made by ReportLab (``TTFontFile.makeSubset``) once."""
    return type(face).makeSubset(face, list(codes))  # type: ignore[no-any-return]


def forget_kept_work() -> None:
    """Forget the subsets, their compression, widths and QR versions kept so far (the next page makes them anew)."""
    _font_subset.cache_clear()
    _FONT_FILE_FLATE.forget()
    _WIDTHS_KEPT.clear()
    _qr_version.cache_clear()


class _KeptTablesFont(TTFont):  # type: ignore[misc]  # ReportLab is untyped
    """A TrueType font whose face cuts each table, and makes each recurring subset, once.

    ReportLab subsets the font for every document, and each subset begins by cutting the
    tables it needs out of the file's bytes: for Pretendard GOV that copied the 5 MB
    ``glyf`` table twice per document (one subset per weight), a tenth of the drawing
    time. The tables are immutable bytes, so the same cut serves every subset.

    A subset is a pure function of the characters it holds, in their order (ReportLab
    numbers them in order of first use), so the font file made for one tuple of
    characters, and its Flate compression, are kept and embedded again whenever a
    document needs the same subset: every document of a template needs the bold subset
    of its title and labels (ADR 0145). The PDF is the same, byte for byte.
    """

    def __init__(self, name: str, filename: str) -> None:
        super().__init__(name, filename)
        face = self.face
        face.get_table = functools.cache(face.get_table)
        face.makeSubset = lambda subset: _font_subset(face, tuple(subset))
        add_subset_objects = face.addSubsetObjects

        def subset_objects(doc: Any, fontname: str, subset: list[int]) -> Any:
            descriptor = add_subset_objects(doc, fontname, subset)
            font_file = doc.idToObject.get(f"fontFile:{face.filename}({fontname})")
            if font_file is not None and font_file.filters:
                font_file.filters = [_FONT_FILE_FLATE]
            return descriptor

        face.addSubsetObjects = subset_objects

    def addObjects(self, doc: Any) -> None:  # noqa: N802 - ReportLab's name
        """ReportLab's font objects, with each subset's widths array written once per subset."""
        # ReportLab forgets the document's subsets once their objects are made.
        state = self.state[doc]
        subsets = [(self.getSubsetInternalName(index, doc)[1:], tuple(subset)) for index, subset in enumerate(state.subsets)]
        super().addObjects(doc)
        fonts = doc.idToObject[pdfdoc.BasicFonts].dict
        for name, subset in subsets:
            fonts[name].Widths = _formatted_widths(self.face, subset, doc)


class _Formatted(pdfdoc.PDFObject):  # type: ignore[misc]  # ReportLab is untyped
    """A direct PDF object already written out: what ReportLab would write for it, kept as bytes."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def format(self, document: Any) -> bytes:
        return self.data


_WIDTHS_KEPT: dict[tuple[str, tuple[int, ...]], _Formatted] = {}


def _formatted_widths(face: Any, subset: tuple[int, ...], doc: Any) -> _Formatted:
    """A subset's ``/Widths`` array as ReportLab formats it (one number each, a few hundred a document), once.

    ReportLab formats every width of every subset anew for each document; they depend on
    the characters of the subset alone.
    """
    key = (face.filename, subset)
    kept = _WIDTHS_KEPT.get(key)
    if kept is None:
        if len(_WIDTHS_KEPT) >= SUBSETS_KEPT * len(FONT_FILES):
            _WIDTHS_KEPT.clear()
        kept = _WIDTHS_KEPT[key] = _Formatted(pdfdoc.format(pdfdoc.PDFArray(list(map(face.getCharWidth, subset))), doc))
    return kept


@functools.cache
def _register_fonts(directory: str) -> None:
    for name, filename in FONT_FILES.items():
        path = Path(directory) / filename
        if not path.is_file():
            raise FontMissing(
                _("The font file %(file)s is missing: run “make install” (npm package pretendard-gov).")
                % {"file": path}
            )
        pdfmetrics.registerFont(_KeptTablesFont(name, str(path)))
    # Streams are Flate-compressed only: ReportLab's default adds an ASCII85 filter on top, which
    # makes every stream a quarter larger and costs its encoding; PDF/A needs neither.
    rl_config.useA85 = 0


def ensure_fonts() -> None:
    """Register Pretendard GOV with ReportLab once per process; FontMissing when it is not installed."""
    _register_fonts(str(settings.EGOV_CERTIFICATE_FONT_DIR))


@functools.cache
def srgb_profile() -> bytes:
    """An sRGB ICC profile, made by Little CMS (Pillow) rather than committed as a binary."""
    return bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())


@functools.lru_cache(maxsize=64)
def _qr_version(chunks: tuple[tuple[int, int], ...]) -> int:
    """The smallest QR version that holds data of these (mode, length) segments at level M.

    The version depends on nothing but the segments' modes and lengths, and every
    verification link of a deployment has the same shape (its base URL and 16 digits), so
    the search that ``qrcode`` runs for each code (``make(fit=True)``, two fifths of
    encoding the link) is run once per shape, by ``qrcode`` itself, on placeholder data.
    """
    probe = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    for mode, length in chunks:
        placeholder = {qrcode.util.MODE_NUMBER: b"0", qrcode.util.MODE_ALPHA_NUM: b"A"}.get(mode, b"a")
        probe.add_data(qrcode.util.QRData(placeholder * length, mode=mode, check_data=False))
    probe.best_fit()
    return int(probe.version)


def _draw_qr(pdf: canvas.Canvas, url: str, *, x: float, y: float, size: float) -> None:
    # A fixed mask pattern: any of the eight is valid (ISO/IEC 18004) and a verification link's
    # code reads the same with each, while scoring all eight to pick the "best" was half the
    # drawing time of a document.
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, mask_pattern=2)
    code.add_data(url)
    code.version = _qr_version(tuple((chunk.mode, len(chunk.data)) for chunk in code.data_list))
    code.make(fit=False)
    matrix = code.get_matrix()
    modules = len(matrix)
    pdf.setFillColorRGB(1, 1, 1)
    pdf.rect(x, y, size, size, stroke=0, fill=1)
    pdf.setFillColorRGB(0, 0, 0)
    # In module units (one unit a module, the origin at the code's lower left corner), each run of
    # dark modules in a row is one rectangle with whole-number coordinates, all filled as one path:
    # the same squares as one ReportLab rectangle each, without formatting four floats per module.
    runs = []
    for row_index, row in enumerate(matrix):
        bottom = modules - 1 - row_index
        column = 0
        while column < modules:
            if not row[column]:
                column += 1
                continue
            start = column
            while column < modules and row[column]:
                column += 1
            runs.append(f"{start} {bottom} {column - start} 1 re")
    pdf.saveState()
    pdf.transform(size / modules, 0, 0, size / modules, x, y)
    pdf.addLiteral("\n".join(runs) + "\nf")
    pdf.restoreState()


def _wrapped(text: str, font: str, size: float, width: float) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` (by character: Korean has no spaces to rely on)."""
    lines, current = [], ""
    for character in text:
        if pdfmetrics.stringWidth(current + character, font, size) > width and current:
            lines.append(current)
            current = character
        else:
            current += character
    return [*lines, current] if current else lines or [""]


def render_pdf(page: Page) -> bytes:
    """The document's PDF, before signing (fonts embedded, no metadata yet: see :func:`prepare_pdfa`)."""
    ensure_fonts()
    buffer = BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, initialFontName=REGULAR, initialFontSize=10, pageCompression=1)
    # The producer is pyHanko's own name, which it keeps when it writes the XMP, so that the
    # information dictionary and the XMP agree (PDF/A).
    pdf.setProducer(VENDOR)
    pdf.setTitle(f"{page.title_ko} ({page.title_en})")
    width, height = A4
    left, right = 25 * mm, width - 25 * mm
    pdf.setFillColorRGB(0, 0, 0)
    pdf.setStrokeColorRGB(0.2, 0.2, 0.2)
    pdf.setFont(REGULAR, 9)
    pdf.drawString(left, height - 20 * mm, _("Confirmation number") + f"  {format_number(page.number)}")
    pdf.drawRightString(right, height - 20 * mm, page.authority)
    pdf.setFont(BOLD, 22)
    pdf.drawCentredString(width / 2, height - 40 * mm, page.title_ko)
    pdf.setFont(REGULAR, 11)
    pdf.drawCentredString(width / 2, height - 47 * mm, page.title_en)
    y = height - 62 * mm
    pdf.line(left, y + 4 * mm, right, y + 4 * mm)
    label_width = 55 * mm
    for label, value in page.rows:
        pdf.setFont(BOLD, 10)
        pdf.drawString(left, y - 2 * mm, label)
        pdf.setFont(REGULAR, 10)
        lines = _wrapped(value, REGULAR, 10, right - left - label_width)
        for index, line in enumerate(lines):
            pdf.drawString(left + label_width, y - 2 * mm - index * 5 * mm, line)
        y -= max(1, len(lines)) * 5 * mm + 4 * mm
        pdf.line(left, y + 2 * mm, right, y + 2 * mm)
    y -= 10 * mm
    pdf.setFont(REGULAR, 10)
    pdf.drawString(left, y, _("Issued on %(when)s") % {"when": page.issued_at.strftime("%Y-%m-%d %H:%M %Z")})
    pdf.drawString(left, y - 6 * mm, _("Issued by %(authority)s") % {"authority": page.authority})
    qr_size = 32 * mm
    _draw_qr(pdf, page.verify_url, x=left, y=25 * mm, size=qr_size)
    text_x = left + qr_size + 6 * mm
    pdf.setFont(REGULAR, 9)
    notes = [
        _("Anyone can check this document until %(date)s:") % {"date": page.verify_until},
        page.verify_url,
        _("Scan the code or enter the confirmation number at the verification page."),
        _("This document carries an electronic signature and a time-stamp."),
    ]
    for index, note in enumerate(notes):
        pdf.drawString(text_x, 25 * mm + qr_size - 5 * mm - index * 6 * mm, note)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def prepare_pdfa(
    writer: IncrementalPdfFileWriter, *, title: str, author: str, subject: str, created: datetime
) -> None:
    """Add the PDF/A-2b identification (XMP) and the sRGB OutputIntent to the update that signs the PDF."""
    meta: DocumentMetadata = writer.document_meta
    meta.title, meta.author, meta.subject, meta.creator, meta.created = (
        title,
        author,
        subject,
        "egov",
        created,
    )
    # ReportLab writes an empty /Keywords: filled, it has its twin in the XMP (PDF/A wants the two to agree).
    meta.keywords = [subject]
    # The identification goes into the metadata stream itself, which pyHanko then completes with
    # the fields above in one rdf:Description (its xmp_extra would repeat it in a second one).
    identification = XmpStructure.of(
        (ExpandedName(NS["pdfaid"], "part"), XmpValue("2")),
        (ExpandedName(NS["pdfaid"], "conformance"), XmpValue("B")),
    )
    writer.root[generic.NameObject("/Metadata")] = writer.add_object(
        MetadataStream.from_xmp([identification])
    )
    components = generic.NumberObject(3)  # type: ignore[no-untyped-call]
    profile = generic.StreamObject({generic.NameObject("/N"): components}, stream_data=srgb_profile())
    profile.compress()  # type: ignore[no-untyped-call]
    intent = generic.DictionaryObject(  # type: ignore[no-untyped-call]
        {
            generic.NameObject("/Type"): generic.NameObject("/OutputIntent"),
            generic.NameObject("/S"): generic.NameObject("/GTS_PDFA1"),
            generic.NameObject("/OutputConditionIdentifier"): generic.TextStringObject("sRGB IEC61966-2.1"),
            generic.NameObject("/Info"): generic.TextStringObject("sRGB IEC61966-2.1"),
            generic.NameObject("/DestOutputProfile"): writer.add_object(profile),
        }
    )
    writer.root[generic.NameObject("/OutputIntents")] = generic.ArrayObject([writer.add_object(intent)])
    writer.update_root()  # type: ignore[no-untyped-call]
