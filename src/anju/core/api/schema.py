"""OpenAPI postprocessing (drf-spectacular ``POSTPROCESSING_HOOKS``): the error answers every
operation can give, in the error format (an ``Error`` component), and the file types each
upload field accepts (multipart ``encoding``, from core.attachments' allow-lists)."""

from .. import attachments

ERROR = {
    "type": "object",
    "description": 'Every error: {"error": {"code", "message", "fields"}} (ARCHITECTURE.md).',
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "example": "invalid"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "description": "Messages per field or query parameter at fault.",
                    "additionalProperties": {},
                },
            },
            "required": ["code", "message", "fields"],
        }
    },
    "required": ["error"],
}

DESCRIPTIONS = {
    "400": "Invalid input: the fields (or query parameters) at fault are named.",
    "401": "Not authenticated: no token or session, or an expired token.",
    "403": "Authenticated but not allowed.",
    "404": "Not found, or outside the caller's scope.",
    "409": "The object's state does not allow this now, or a conflicting change.",
    "413": "The request body is too large.",
    "429": "Too many requests (Retry-After says when to try again).",
}
WRITES = {"post", "put", "patch", "delete"}

IMAGE_TYPES = sorted(attachments.PHOTOS.types)
FILE_TYPES = {
    "file": [attachments.XLSX],
    "scan": sorted(attachments.PHOTOS_OR_DOCUMENTS.types),
    "evidence": sorted(attachments.PHOTOS_OR_DOCUMENTS.types),
    "documents": sorted(attachments.DOCUMENTS.types),
}


def _codes(method):
    codes = ["400", "401", "403", "404", "429"]
    if method in WRITES:
        codes += ["409", "413"]
    return codes


def _binary(prop):
    return prop.get("format") == "binary" or prop.get("items", {}).get("format") == "binary"


def _document_uploads(operation, components):
    content = operation.get("requestBody", {}).get("content", {})
    multipart = content.get("multipart/form-data")
    if not multipart:
        return
    schema = multipart.get("schema", {})
    if "$ref" in schema:
        schema = components.get(schema["$ref"].rsplit("/", 1)[-1], {})
    encoding = multipart.setdefault("encoding", {})
    for name, prop in schema.get("properties", {}).items():
        if _binary(prop):
            types = FILE_TYPES.get(name, IMAGE_TYPES)
            encoding.setdefault(name, {"contentType": ", ".join(types)})
            prop.setdefault("description", "Accepted: " + ", ".join(types))


# DRF writes a time as "08:30:00" (local, no offset), which JSON Schema's "time" format refuses.
LOCAL_TIME = {
    "type": "string",
    "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$",
    "example": "08:30:00",
}


def _local_times(node):
    if isinstance(node, dict):
        if node.get("format") == "time" and node.get("type") == "string":
            del node["format"]
            node.update({k: v for k, v in LOCAL_TIME.items() if k not in node})
        for value in node.values():
            _local_times(value)
    elif isinstance(node, list):
        for value in node:
            _local_times(value)


def document_errors(result, generator, request, public):
    components = result.setdefault("components", {}).setdefault("schemas", {})
    _local_times(result)
    components["Error"] = ERROR
    ref = {"$ref": "#/components/schemas/Error"}
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for code in _codes(method):
                responses.setdefault(
                    code,
                    {
                        "description": DESCRIPTIONS[code],
                        "content": {"application/json": {"schema": ref}},
                    },
                )
            _document_uploads(operation, components)
    return result
