"""The seeded rule sets: the national 民法典 default and the Beijing and Shanghai variants. Used by
the data migration, and restored on first use if the table was emptied (e.g. a flushed test DB)."""

from datetime import date

CITATION = "《中华人民共和国民法典》第二百七十八条第二款"
QUORUM = "业主共同决定事项，应当由专有部分面积占比三分之二以上的业主且人数占比三分之二以上的业主参与表决。"
MAJOR = "决定前款第六项至第八项规定的事项，应当经参与表决专有部分面积四分之三以上的业主且参与表决人数四分之三以上的业主同意。"
ORDINARY = (
    "决定前款其他事项，应当经参与表决专有部分面积过半数的业主且参与表决人数过半数的业主同意。"
)
MAJOR_MATTERS = ["raise_maintenance_fund", "rebuild", "change_common_use"]

NATIONAL = {
    "citation": CITATION,
    "quorum_area": "2/3",
    "quorum_heads": "2/3",
    "quorum_text": QUORUM,
    "major_matters": MAJOR_MATTERS,
    "major_area": "3/4",
    "major_heads": "3/4",
    "major_strict": False,
    "major_text": MAJOR,
    "ordinary_area": "1/2",
    "ordinary_heads": "1/2",
    "ordinary_strict": True,
    "ordinary_text": ORDINARY,
    "count_parking_area": True,
    "fund_alert_ratio": "3/10",
    "income_fund_trigger": "",
    "income_fund_min_share": "",
    "disclosure_months": {"default": 12, "maintenance_fund": 6, "common_income": 6},
}

ROWS = [
    ("000000", "民法典（全国默认）", date(2021, 1, 1), {}),
    (
        "110000",
        "北京市物业管理条例",
        date(2020, 5, 1),
        {
            "income_fund_trigger": "3/10",
            "income_fund_min_share": "1/2",
            "disclosure_months": {"default": 12, "maintenance_fund": 6, "common_income": 6},
        },
    ),
    (
        "310000",
        "上海市住宅物业管理规定",
        date(2021, 1, 1),
        {
            "income_fund_trigger": "",
            "income_fund_min_share": "1/2",
            "disclosure_months": {"default": 12, "maintenance_fund": 6, "common_income": 3},
        },
    ),
]


def seed_rule_sets(model):
    for jurisdiction, name, effective, overrides in ROWS:
        model.objects.update_or_create(
            jurisdiction=jurisdiction,
            effective_from=effective,
            defaults={"name": name, **NATIONAL, **overrides},
        )
