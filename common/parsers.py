"""The API's parsers: DRF's own, refusing data that holds a NUL character with 400
``invalid`` naming the field (PostgreSQL refuses NUL in text; see
:mod:`common.null_characters`). ``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]`` names them.
"""

from __future__ import annotations

from rest_framework import parsers


class _RefuseNullCharacters:
    def parse(self, stream, media_type=None, parser_context=None):
        # Imported here: DRF imports this module while defining APIView, which the error
        # family's module imports.
        from common.null_characters import field_with_null_character, null_character_error

        parsed = super().parse(stream, media_type, parser_context)
        field = field_with_null_character(getattr(parsed, "data", parsed))
        if field is not None:
            raise null_character_error(field)
        return parsed


class JSONParser(_RefuseNullCharacters, parsers.JSONParser):
    pass


class FormParser(_RefuseNullCharacters, parsers.FormParser):
    pass


class MultiPartParser(_RefuseNullCharacters, parsers.MultiPartParser):
    pass
