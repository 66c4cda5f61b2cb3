"""The shipped waste-sorting rule sets, each category's name with the article beside it, and the
platform's default points rule. Used by the data migration and restored on first use when the
table was emptied (a flushed test database). A local rule is one more row: its jurisdiction code
(district, city or province) and effective date; the most specific row in force wins."""

from datetime import date

RECYCLABLE = {"code": "recyclable", "color": "blue"}
HAZARDOUS = {"code": "hazardous", "color": "red"}
FOOD = {"code": "food", "color": "green"}
RESIDUAL = {"code": "residual", "color": "grey"}

WASTE_RULES = [
    (
        "000000",
        "生活垃圾分类标志（全国默认）",
        date(2019, 12, 1),
        "GB/T 19095-2019《生活垃圾分类标志》；《中华人民共和国固体废物污染环境防治法》第四十九条",
        [
            {**RECYCLABLE, "zh": "可回收物", "en": "Recyclables"},
            {**HAZARDOUS, "zh": "有害垃圾", "en": "Hazardous waste"},
            {**FOOD, "zh": "厨余垃圾", "en": "Food waste"},
            {**RESIDUAL, "zh": "其他垃圾", "en": "Residual waste"},
        ],
    ),
    (
        "110000",
        "北京市生活垃圾管理条例",
        date(2020, 5, 1),
        "《北京市生活垃圾管理条例》第三十三条第（一）项、第七十七条",
        [
            {**FOOD, "zh": "厨余垃圾", "en": "Kitchen waste"},
            {**RECYCLABLE, "zh": "可回收物", "en": "Recyclables"},
            {**HAZARDOUS, "zh": "有害垃圾", "en": "Hazardous waste"},
            {**RESIDUAL, "zh": "其他垃圾", "en": "Other waste"},
        ],
    ),
    (
        "310000",
        "上海市生活垃圾管理条例",
        date(2019, 7, 1),
        "《上海市生活垃圾管理条例》第四条",
        [
            {**FOOD, "zh": "湿垃圾", "en": "Wet waste"},
            {**RESIDUAL, "zh": "干垃圾", "en": "Dry waste"},
            {**RECYCLABLE, "zh": "可回收物", "en": "Recyclables"},
            {**HAZARDOUS, "zh": "有害垃圾", "en": "Hazardous waste"},
        ],
    ),
]

# No law fixes how long green points stay valid nor how many a household earns for what
# (UNCONFIRMED): the platform default below is rule data a company overrides with its own row.
DEFAULT_POINTS_RULE = (
    date(2020, 1, 1),
    24,
    "积分自获得之日起 24 个月内有效（平台默认，物业公司可另行公布）",
)
# Points earned per ``EarnReason`` under the platform default rule.
DEFAULT_EARN_POINTS = {
    "sorting_points": 5,
    "event_points": 10,
    "survey_points": 5,
    "space_lent_points": 10,
}


def seed_waste_rules(model):
    for jurisdiction, name, effective, citation, categories in WASTE_RULES:
        model.objects.update_or_create(
            jurisdiction=jurisdiction,
            effective_from=effective,
            defaults={"name": name, "citation": citation, "categories": categories},
        )


def seed_points_rule(model):
    effective, months, note = DEFAULT_POINTS_RULE
    fields = {f.name for f in model._meta.get_fields()}
    # A migration's historical model may predate the earn columns.
    earn = {name: n for name, n in DEFAULT_EARN_POINTS.items() if name in fields}
    model.objects.update_or_create(
        organization=None,
        effective_from=effective,
        defaults={"valid_months": months, "note": note, **earn},
    )
