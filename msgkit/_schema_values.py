"""limits() and catalogue() of msgkit.schemas, worked out from the schemas below.

Made by ``python -m msgkit.schemas``: do not edit.
"""

from typing import Any

SOURCES: dict[str, str] = {
    "audio-file": "{\n"
    '  "$schema": "https://json-schema.org/draft/2020-12/schema",\n'
    '  "$id": "https://msgkit.invalid/schemas/audio-file.schema.json",\n'
    '  "title": "Custom recording played by <url>",\n'
    '  "description": "What the provider accepts as a custom recording: an HTTP or '
    "HTTPS URL to an .mp3, .wav or .gsm file of 8000 Hz, mono, at most 10 MB. "
    "'10MB' is read as 10,000,000 bytes, the reading that never lets a file the "
    'provider would refuse pass.",\n'
    '  "type": "object",\n'
    '  "properties": {\n'
    '    "scheme": {"enum": ["http", "https"]},\n'
    '    "extension": {"enum": [".mp3", ".wav", ".gsm"]},\n'
    '    "size": {"type": "integer", "minimum": 0, "maximum": 10000000},\n'
    '    "sample_rate": {"const": 8000},\n'
    '    "channels": {"const": 1}\n'
    "  }\n"
    "}\n",
    "monitor-request": "{\n"
    '  "$schema": "https://json-schema.org/draft/2020-12/schema",\n'
    '  "$id": "https://msgkit.invalid/schemas/monitor-request.schema.json",\n'
    '  "title": "Monitor request",\n'
    '  "description": "The parameters of POST '
    "https://secure.hoiio.com/open/ivr/middle/monitor. Limits are the "
    "provider's; msg uses the safer 500-character reading (the error text, the "
    'older docs and the SDKs say 500, the newer parameter table 1000).",\n'
    '  "type": "object",\n'
    '  "required": ["app_id", "access_token", "session"],\n'
    '  "properties": {\n'
    '    "app_id": {"type": "string", "minLength": 1},\n'
    '    "access_token": {"type": "string", "minLength": 1},\n'
    '    "session": {"type": "string", "minLength": 1},\n'
    '    "msg": {"type": "string", "maxLength": 500, "x-documented-maxLength": '
    "1000},\n"
    '    "tag": {"type": "string", "maxLength": 256},\n'
    '    "monitor_notify_url": {"$ref": "#/$defs/notifyUrl"},\n'
    '    "notify_url": {"$ref": "#/$defs/notifyUrl"}\n'
    "  },\n"
    '  "additionalProperties": false,\n'
    '  "$defs": {\n'
    '    "notifyUrl": {\n'
    '      "description": "A fully-qualified HTTP or HTTPS URL.",\n'
    '      "type": "string",\n'
    '      "maxLength": 4000,\n'
    '      "pattern": '
    '"^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\\\\s]+[^\\\\s]*(?![\\\\s\\\\S])"\n'
    "    }\n"
    "  }\n"
    "}\n",
    "tts": "{\n"
    '  "$schema": "https://json-schema.org/draft/2020-12/schema",\n'
    '  "$id": "https://msgkit.invalid/schemas/tts.schema.json",\n'
    '  "title": "Text-to-speech catalogue",\n'
    '  "description": "The languages and genders the <speech> markup accepts. Only en and '
    "zh-HK are documented by the provider; each language lists the Unicode scripts its "
    "voice can read. Users extend the list by configuration. For previews, x-espeak-voice "
    "names the espeak-ng voice that stands in for the provider's, x-espeak-variants the "
    "espeak-ng variant of each gender, and x-speaking-rate how fast that voice speaks: "
    "letters and digits per second, plus a pause at each punctuation mark (measured "
    "against espeak-ng's default speed; see benchmarks/bench_preview.py).\",\n"
    '  "$defs": {\n'
    '    "languageTag": {\n'
    '      "description": "The shape of every language code the catalogue uses: a 2-3 '
    "letter primary subtag, then optionally a 4-letter script subtag and a 2-letter or "
    '3-digit region subtag, joined by hyphens.",\n'
    '      "type": "string",\n'
    '      "pattern": '
    '"^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?(?![\\\\s\\\\S])"\n'
    "    },\n"
    '    "language": {\n'
    '      "description": "A documented language. The default when a segment names none is '
    'English.",\n'
    '      "default": "en",\n'
    '      "oneOf": [\n'
    "        {\n"
    '          "const": "en",\n'
    '          "title": "English",\n'
    '          "x-scripts": ["Latin"],\n'
    '          "x-espeak-voice": "en",\n'
    '          "x-speaking-rate": {"characters-per-second": 16.2, "pause-seconds": 0.32}\n'
    "        },\n"
    "        {\n"
    '          "const": "zh-HK",\n'
    '          "title": "Cantonese (Hong Kong)",\n'
    '          "x-scripts": ["Han", "Latin"],\n'
    '          "x-espeak-voice": "yue",\n'
    '          "x-speaking-rate": {"characters-per-second": 5.26, "pause-seconds": 0.39}\n'
    "        }\n"
    "      ]\n"
    "    },\n"
    '    "gender": {\n'
    '      "description": "A voice gender. The default when a segment names none is '
    'female.",\n'
    '      "default": "female",\n'
    '      "enum": ["female", "male"],\n'
    '      "x-espeak-variants": {"female": "f3", "male": "m3"}\n'
    "    }\n"
    "  },\n"
    '  "type": "object",\n'
    '  "properties": {\n'
    '    "language": {"$ref": "#/$defs/language"},\n'
    '    "gender": {"$ref": "#/$defs/gender"}\n'
    "  },\n"
    '  "additionalProperties": false\n'
    "}\n",
}

VALUES: dict[str, dict[str, Any]] = {
    "catalogue": {
        "default_gender": "female",
        "default_language": "en",
        "genders": ("female", "male"),
        "language_names": {"en": "English", "zh-HK": "Cantonese (Hong Kong)"},
        "language_pattern": "^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?(?![\\s\\S])",
        "languages": {"en": ("Latin",), "zh-HK": ("Han", "Latin")},
    },
    "limits": {
        "audio_channels": 1,
        "audio_extensions": (".mp3", ".wav", ".gsm"),
        "audio_max_bytes": 10000000,
        "audio_sample_rate": 8000,
        "audio_schemes": ("http", "https"),
        "msg_length": 500,
        "msg_length_documented": 1000,
        "notify_url_length": 4000,
        "tag_length": 256,
    },
}
