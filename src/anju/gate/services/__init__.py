"""The gate's writes, split by subdomain; callers import this package, never a submodule.

- ``visitors``: visitor passes, the guard's check, the parking gate's plate, walk-ins, purge.
- ``doors``: doors, opening commands and their acknowledgement, cards, QR codes, face data.
- ``release``: goods release applications, the owner's confirmation, the guard's check.
"""

from .doors import (
    DOOR_FIELDS,
    FACE_CONSENT,
    acknowledge,
    acknowledge_from_device,
    credential_list,
    delete_face,
    enrol_face,
    face_enabled,
    issue_credential,
    open_door,
    purge_door_log,
    push_all_credentials,
    push_credentials,
    save_door,
    set_face_recognition,
)
from .release import (
    apply_release,
    cancel_release,
    check_release,
    confirm_release,
    find_release,
    release_goods,
)
from .visitors import (
    PASS_FIELDS,
    UnknownCode,
    answer_walk_in,
    code_of,
    issue_pass,
    purge_visitor_data,
    register_walk_in,
    revoke_pass,
    share_path,
    use_pass_by_plate,
    verify_pass,
)

__all__ = [
    "DOOR_FIELDS",
    "FACE_CONSENT",
    "PASS_FIELDS",
    "UnknownCode",
    "acknowledge",
    "acknowledge_from_device",
    "credential_list",
    "purge_door_log",
    "push_all_credentials",
    "push_credentials",
    "answer_walk_in",
    "apply_release",
    "cancel_release",
    "check_release",
    "code_of",
    "confirm_release",
    "delete_face",
    "enrol_face",
    "face_enabled",
    "find_release",
    "issue_credential",
    "issue_pass",
    "open_door",
    "purge_visitor_data",
    "register_walk_in",
    "release_goods",
    "revoke_pass",
    "save_door",
    "set_face_recognition",
    "share_path",
    "use_pass_by_plate",
    "verify_pass",
]
