"""Write the national holiday calendar, src/anju/notices/data/holidays.json.

Two kinds of rows, both marked as what they are:

- Official (``provisional`` false): the seven statutory holidays of a year the State Council
  has published (国务院办公厅关于…部分节假日安排的通知), with the days off and the make-up
  working days (调休上班日) exactly as the notice gives them. OFFICIAL below is transcribed from
  the notices named in NOTICES.
- Provisional: the traditional festivals without days off (腊八, 小年, 除夕, 元宵, 七夕, 重阳),
  and every holiday of a year not yet published. Their dates are computed (lunar dates from the
  new moons and the principal solar terms, Beijing time, by the rules of GB/T 33661-2017; 清明 is
  the solar term). An unpublished year's statutory holidays carry only the statutory days off of
  《全国年节及纪念日放假办法》 (2024 revision: 元旦 1, 春节 除夕 to 初三, 清明 1, 劳动节 2, 端午
  1, 中秋 1, 国庆 3); the bridging and make-up days come with the notice.

New moons: Meeus, Astronomical Algorithms ch. 49 (a few seconds from the full lunar theory);
the solar terms from scripts/solar_terms.py. Pure Python, no network:
``python scripts/holidays.py`` (``--years 2020-2035``).
"""

import argparse
import json
import math
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import solar_terms  # noqa: E402  (the script beside this one)

DATA = solar_terms.DATA

NAMES = {
    "new_year": "元旦",
    "laba": "腊八节",
    "xiaonian": "小年",
    "chuxi": "除夕",
    "spring_festival": "春节",
    "lantern": "元宵节",
    "qingming": "清明节",
    "labour_day": "劳动节",
    "dragon_boat": "端午节",
    "qixi": "七夕节",
    "mid_autumn": "中秋节",
    "national_day": "国庆节",
    "double_ninth": "重阳节",
}
STATUTORY = ["new_year", "spring_festival", "qingming", "labour_day", "dragon_boat",
             "mid_autumn", "national_day"]  # fmt: skip

NOTICES = {
    2020: "国务院办公厅关于2020年部分节假日安排的通知（2019年11月21日）；"
    "国务院办公厅关于延长2020年春节假期的通知（国办发明电〔2020〕1号，2020年1月26日）",
    2021: "国务院办公厅关于2021年部分节假日安排的通知（国办发明电〔2020〕27号，2020年11月25日）",
    2022: "国务院办公厅关于2022年部分节假日安排的通知（2021年10月25日）",
    2023: "国务院办公厅关于2023年部分节假日安排的通知（国办发明电〔2022〕16号，2022年12月8日）",
    2024: "国务院办公厅关于2024年部分节假日安排的通知（2023年10月25日）",
    2025: "国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号，2024年11月12日）",
    2026: "国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日）",
}
STATUTORY_SOURCE = "《全国年节及纪念日放假办法》法定假日；放假调休安排待国务院办公厅通知"
COMPUTED_SOURCE = "农历推算（GB/T 33661-2017）"

# key: (first day off, last day off, make-up working days). Where 中秋 joins 国庆 the notice
# gives one holiday; 中秋 carries the same days off and 国庆 the make-up days.
OFFICIAL = {
    2020: {
        "new_year": ("2020-01-01", "2020-01-01", []),
        # Extended to 02-02 by 国办发明电〔2020〕1号: 02-01 was no longer a working day.
        "spring_festival": ("2020-01-24", "2020-02-02", ["2020-01-19"]),
        "qingming": ("2020-04-04", "2020-04-06", []),
        "labour_day": ("2020-05-01", "2020-05-05", ["2020-04-26", "2020-05-09"]),
        "dragon_boat": ("2020-06-25", "2020-06-27", ["2020-06-28"]),
        "mid_autumn": ("2020-10-01", "2020-10-08", []),
        "national_day": ("2020-10-01", "2020-10-08", ["2020-09-27", "2020-10-10"]),
    },
    2021: {
        "new_year": ("2021-01-01", "2021-01-03", []),
        "spring_festival": ("2021-02-11", "2021-02-17", ["2021-02-07", "2021-02-20"]),
        "qingming": ("2021-04-03", "2021-04-05", []),
        "labour_day": ("2021-05-01", "2021-05-05", ["2021-04-25", "2021-05-08"]),
        "dragon_boat": ("2021-06-12", "2021-06-14", []),
        "mid_autumn": ("2021-09-19", "2021-09-21", ["2021-09-18"]),
        "national_day": ("2021-10-01", "2021-10-07", ["2021-09-26", "2021-10-09"]),
    },
    2022: {
        "new_year": ("2022-01-01", "2022-01-03", []),
        "spring_festival": ("2022-01-31", "2022-02-06", ["2022-01-29", "2022-01-30"]),
        "qingming": ("2022-04-03", "2022-04-05", ["2022-04-02"]),
        "labour_day": ("2022-04-30", "2022-05-04", ["2022-04-24", "2022-05-07"]),
        "dragon_boat": ("2022-06-03", "2022-06-05", []),
        "mid_autumn": ("2022-09-10", "2022-09-12", []),
        "national_day": ("2022-10-01", "2022-10-07", ["2022-10-08", "2022-10-09"]),
    },
    2023: {
        "new_year": ("2022-12-31", "2023-01-02", []),
        "spring_festival": ("2023-01-21", "2023-01-27", ["2023-01-28", "2023-01-29"]),
        "qingming": ("2023-04-05", "2023-04-05", []),
        "labour_day": ("2023-04-29", "2023-05-03", ["2023-04-23", "2023-05-06"]),
        "dragon_boat": ("2023-06-22", "2023-06-24", ["2023-06-25"]),
        "mid_autumn": ("2023-09-29", "2023-10-06", []),
        "national_day": ("2023-09-29", "2023-10-06", ["2023-10-07", "2023-10-08"]),
    },
    2024: {
        # "1月1日放假，与周末连休" (and 端午 "6月10日放假，与周末连休"): the joined weekend.
        "new_year": ("2023-12-30", "2024-01-01", []),
        "spring_festival": ("2024-02-10", "2024-02-17", ["2024-02-04", "2024-02-18"]),
        "qingming": ("2024-04-04", "2024-04-06", ["2024-04-07"]),
        "labour_day": ("2024-05-01", "2024-05-05", ["2024-04-28", "2024-05-11"]),
        "dragon_boat": ("2024-06-08", "2024-06-10", []),
        "mid_autumn": ("2024-09-15", "2024-09-17", ["2024-09-14"]),
        "national_day": ("2024-10-01", "2024-10-07", ["2024-09-29", "2024-10-12"]),
    },
    2025: {
        "new_year": ("2025-01-01", "2025-01-01", []),
        "spring_festival": ("2025-01-28", "2025-02-04", ["2025-01-26", "2025-02-08"]),
        "qingming": ("2025-04-04", "2025-04-06", []),
        "labour_day": ("2025-05-01", "2025-05-05", ["2025-04-27"]),
        "dragon_boat": ("2025-05-31", "2025-06-02", []),
        "mid_autumn": ("2025-10-01", "2025-10-08", []),
        "national_day": ("2025-10-01", "2025-10-08", ["2025-09-28", "2025-10-11"]),
    },
    2026: {
        "new_year": ("2026-01-01", "2026-01-03", ["2026-01-04"]),
        "spring_festival": ("2026-02-15", "2026-02-23", ["2026-02-14", "2026-02-28"]),
        "qingming": ("2026-04-04", "2026-04-06", []),
        "labour_day": ("2026-05-01", "2026-05-05", ["2026-05-09"]),
        "dragon_boat": ("2026-06-19", "2026-06-21", []),
        "mid_autumn": ("2026-09-25", "2026-09-27", []),
        "national_day": ("2026-10-01", "2026-10-07", ["2026-09-20", "2026-10-10"]),
    },
}


def new_moon_jde(k):
    """JDE (TT) of the new moon with lunation number ``k`` (0 = 2000-01-06), Meeus 49.1-49.3."""
    t = k / 1236.85
    jde = (
        2451550.09766 + 29.530588861 * k + 0.00015437 * t**2 - 0.000000150 * t**3
        + 0.00000000073 * t**4
    )  # fmt: skip
    e = 1 - 0.002516 * t - 0.0000074 * t**2
    r = math.radians
    m = r(2.5534 + 29.10535670 * k - 0.0000014 * t**2 - 0.00000011 * t**3)
    mm = r(201.5643 + 385.81693528 * k + 0.0107582 * t**2 + 0.00001238 * t**3
           - 0.000000058 * t**4)  # fmt: skip
    f = r(160.7108 + 390.67050284 * k - 0.0016118 * t**2 - 0.00000227 * t**3
          + 0.000000011 * t**4)  # fmt: skip
    om = r(124.7746 - 1.56375588 * k + 0.0020672 * t**2 + 0.00000215 * t**3)
    s = math.sin
    jde += (
        -0.40720 * s(mm) + 0.17241 * e * s(m) + 0.01608 * s(2 * mm) + 0.01039 * s(2 * f)
        + 0.00739 * e * s(mm - m) - 0.00514 * e * s(mm + m) + 0.00208 * e * e * s(2 * m)
        - 0.00111 * s(mm - 2 * f) - 0.00057 * s(mm + 2 * f) + 0.00056 * e * s(2 * mm + m)
        - 0.00042 * s(3 * mm) + 0.00042 * e * s(m + 2 * f) + 0.00038 * e * s(m - 2 * f)
        - 0.00024 * e * s(2 * mm - m) - 0.00017 * s(om) - 0.00007 * s(mm + 2 * m)
        + 0.00004 * s(2 * mm - 2 * f) + 0.00004 * s(3 * m) + 0.00003 * s(mm + m - 2 * f)
        + 0.00003 * s(2 * mm + 2 * f) - 0.00003 * s(mm + m + 2 * f)
        + 0.00003 * s(mm - m + 2 * f) - 0.00002 * s(mm - m - 2 * f)
        - 0.00002 * s(3 * mm + m) + 0.00002 * s(4 * mm)
    )  # fmt: skip
    planetary = [
        (0.000325, 299.77, 0.107408, -0.009173), (0.000165, 251.88, 0.016321, 0),
        (0.000164, 251.83, 26.651886, 0), (0.000126, 349.42, 36.412478, 0),
        (0.000110, 84.66, 18.206239, 0), (0.000062, 141.74, 53.303771, 0),
        (0.000060, 207.14, 2.453732, 0), (0.000056, 154.84, 7.306860, 0),
        (0.000047, 34.52, 27.261239, 0), (0.000042, 207.19, 0.121824, 0),
        (0.000040, 291.34, 1.844379, 0), (0.000037, 161.72, 24.198154, 0),
        (0.000035, 239.56, 25.513099, 0), (0.000023, 331.55, 3.592518, 0),
    ]  # fmt: skip
    for amplitude, a0, a1, a2 in planetary:
        jde += amplitude * s(r(a0 + a1 * k + a2 * t * t))
    return jde


def new_moons(start, end):
    """Beijing times (naive) of the new moons from ``start`` to ``end`` (dates)."""
    k = math.floor((start.year + (start.timetuple().tm_yday - 1) / 365.25 - 2000) * 12.3685) - 1
    found = []
    while True:
        tt = solar_terms.jd_to_datetime(new_moon_jde(k))
        year = tt.year + (tt.timetuple().tm_yday - 1) / 365.25
        moment = tt - timedelta(seconds=solar_terms.delta_t(year)) + solar_terms.BEIJING
        if moment.date() > end:
            return found
        if moment.date() >= start:
            found.append(moment)
        k += 1


def principal_terms(years):
    """Beijing dates of the principal terms (中气: 冬至, 大寒, 雨水, ...) of ``years``."""
    return sorted(
        solar_terms.term_moment(year, order).date() for year in years for order in range(2, 25, 2)
    )


def lunar_months(year, moons=None, zhongqi=None, solstices=None):
    """The lunar months from the 11th month before ``year`` to the 11th month after it:
    (first day, number, leap). A 冬至-to-冬至 year (岁) with 13 months has a leap month: its
    first month without a principal term (GB/T 33661-2017, 5.3)."""
    if solstices is None:
        solstices = [solar_terms.term_moment(y, 24).date() for y in (year - 2, year - 1, year)]
    if moons is None:
        moons = new_moons(date(year - 2, 11, 1), date(year + 1, 2, 1))
    starts = sorted({m.date() if hasattr(m, "date") else m for m in moons})
    if zhongqi is None:
        zhongqi = principal_terms(range(year - 2, year + 1))
    months = []
    for first, last in zip(solstices, solstices[1:], strict=False):
        eleventh = max(d for d in starts if d <= first)
        next_eleventh = max(d for d in starts if d <= last)
        sui = [d for d in starts if eleventh <= d < next_eleventh]
        ends = [*sui[1:], next_eleventh]
        leap_found = len(sui) == 12  # an ordinary sui has no leap month
        number = 11
        for index, (begin, end) in enumerate(zip(sui, ends, strict=True)):
            has_zhongqi = any(begin <= z < end for z in zhongqi)
            if index and not leap_found and not has_zhongqi:
                months.append((begin, number, True))
                leap_found = True
                continue
            if index:
                number = number % 12 + 1
            months.append((begin, number, False))
    return months


def festivals(year, months=None):
    """The lunar festivals falling in Gregorian ``year``: {key: date}."""
    months = months or lunar_months(year) + lunar_months(year + 1)
    months = sorted(set(months))
    new_year = next(m for m in months if m[1] == 1 and not m[2] and m[0].year == year)
    index = months.index(new_year)
    ahead = {number: begin for begin, number, leap in months[index : index + 13] if not leap}
    twelfth = next(begin for begin, number, leap in reversed(months[:index]) if number == 12)
    day = timedelta(days=1)
    return {
        "laba": twelfth + 7 * day,
        "xiaonian": twelfth + 22 * day,
        "chuxi": new_year[0] - day,
        "spring_festival": new_year[0],
        "lantern": new_year[0] + 14 * day,
        "dragon_boat": ahead[5] + 4 * day,
        "qixi": ahead[7] + 6 * day,
        "mid_autumn": ahead[8] + 14 * day,
        "double_ninth": ahead[9] + 8 * day,
    }


def _statutory_days_off(key, day, lunar):
    """The days off the law itself gives (2024 revision), without bridging."""
    one = (day, day)
    return {
        "new_year": one,
        "spring_festival": (lunar["chuxi"], lunar["spring_festival"] + timedelta(days=2)),
        "qingming": one,
        "labour_day": (day, day + timedelta(days=1)),
        "dragon_boat": one,
        "mid_autumn": one,
        "national_day": (day, day + timedelta(days=2)),
    }[key]


def calendar_year(year):
    lunar = festivals(year)
    qingming = solar_terms.term_moment(year, 7).date()
    dates = {
        **lunar,
        "new_year": date(year, 1, 1),
        "qingming": qingming,
        "labour_day": date(year, 5, 1),
        "national_day": date(year, 10, 1),
    }
    rows = []
    for key, day in dates.items():
        row = {
            "year": year,
            "key": key,
            "name": NAMES[key],
            "date": day.isoformat(),
            "off_from": None,
            "off_until": None,
            "workdays": [],
            "provisional": True,
            "source": COMPUTED_SOURCE,
        }
        if key in STATUTORY and year in OFFICIAL:
            first, last, workdays = OFFICIAL[year][key]
            row.update(off_from=first, off_until=last, workdays=workdays, provisional=False)
            row["source"] = NOTICES[year]
        elif key in STATUTORY:
            first, last = _statutory_days_off(key, day, lunar)
            row.update(off_from=first.isoformat(), off_until=last.isoformat())
            row["source"] = STATUTORY_SOURCE
        rows.append(row)
    return sorted(rows, key=lambda r: (r["date"], r["key"]))


def national_calendar(first, last):
    return [row for year in range(first, last + 1) for row in calendar_year(year)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", default="2020-2035", help="first-last, e.g. 2020-2035")
    parser.add_argument("--output", type=Path, default=DATA / "holidays.json")
    args = parser.parse_args()
    first, last = (int(part) for part in args.years.split("-"))
    rows = national_calendar(first, last)
    args.output.write_text(json.dumps(rows, ensure_ascii=False, indent=0) + "\n", "utf-8")
    print(f"{len(rows)} holidays, {first}-{last}, written to {args.output}")


if __name__ == "__main__":
    main()
