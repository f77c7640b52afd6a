"""The Factur-X PDF: the readable invoice as PDF/A-3, with its CII XML embedded.

WeasyPrint renders the readable invoice as PDF/A-3b (:data:`PDF_VARIANT`); the ``factur-x``
library checks the XML against the EN 16931 schema it ships, attaches it as ``factur-x.xml``
(relationship ``Data``) and writes the XMP metadata that declares PDF/A-3 and the Factur-X
EN 16931 profile. The library stamps the time of the embedding into the metadata, so two
Factur-X PDFs of one invoice differ by those dates.
"""

from __future__ import annotations

# What WeasyPrint is asked for: PDF/A-3, level B (the appearance is preserved), which allows
# embedded files.
PDF_VARIANT = "pdf/a-3b"
# The Factur-X profile of the XML, as the library names it.
FACTURX_LEVEL = "en16931"


def facturx_pdf(
    pdf: bytes, xml: bytes, *, title: str, author: str, subject: str, language: str
) -> bytes:
    """The Factur-X PDF made of ``pdf`` (a PDF/A-3 rendered with :data:`PDF_VARIANT`) and
    its EN 16931 CII ``xml``, with the given document metadata; ``language`` is the PDF's
    (``fr``, ``en``). The library refuses an XML the schema does not accept."""
    # Imported on first use, like WeasyPrint: pages that never make a PDF do not load it.
    from facturx import generate_from_binary

    return generate_from_binary(
        pdf,
        xml,
        flavor="factur-x",
        level=FACTURX_LEVEL,
        check_xsd=True,
        pdf_metadata={
            "author": author,
            "keywords": "Factur-X",
            "title": title,
            "subject": subject,
        },
        lang=language,
    )
