"""Rules of face recognition at the doors, as data with the article beside each (the texts in
../shared/reference/laws/; 杭州条例 and the 2025 measures from DOMAIN.md's secondary sources).
The services enforce them: face is offered only where a community enables it, enrolled only by
the person with a separate consent, never the only way in, deleted at the person's request."""

from django.utils.translation import gettext_lazy as _

FACE_RULES = [
    (
        "最高法人脸识别规定 第10条",
        _("Face recognition is never the only way in: a card, a QR code or the app always opens."),
    ),
    (
        "最高法人脸识别规定 第4条; 个人信息保护法 第29条",
        _("Face data needs the person's separate consent, never bundled with other terms."),
    ),
    (
        "个人信息保护法 第47条; 最高法人脸识别规定 第12条",
        _("The person may delete their face data at any time."),
    ),
    (
        "个人信息保护法 第28条",
        _("Face data is sensitive personal information: used only to open the doors."),
    ),
]
