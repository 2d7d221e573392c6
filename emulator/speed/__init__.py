"""What the request path's speed rests on, shared by every layer: a memo bounded in bytes and
entries, quick construction of frozen values, read-only JSON values to share, compact JSON bytes.

May import: nothing of the package (the standard library and ``orjson`` only).
"""
