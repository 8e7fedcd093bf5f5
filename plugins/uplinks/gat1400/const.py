"""Names of the GA/T 1400 uplink: type, incident category, events, audit actions."""

from __future__ import annotations

from typing import Final

DOMAIN: Final = "gat1400"
CATEGORY_POLICE_HIT: Final = "police_hit"
#: Source of watch-list entries pushed by the views library (Person.source starts with it).
SOURCE: Final = "gat1400"
AUDIT_UPLOAD_ENROLLED: Final = "gat1400.enrolled_face_uploaded"
AUDIT_DISPOSITION: Final = "gat1400.disposition"
AUDIT_HIT: Final = "gat1400.police_hit"
