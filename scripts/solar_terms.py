"""Compute the 24 solar terms (二十四节气) and write src/anju/notices/data/solar_terms.json.

A solar term begins when the Sun's *apparent* geocentric ecliptic longitude, referred to the
true equinox of date, reaches a multiple of 15° (立春 315°, 春分 0°, 夏至 90°, ...). The Sun's
position comes from VSOP87D (the series for the Earth as abridged by Meeus, Astronomical
Algorithms, 2nd ed., ch. 32 and appendix III; better than 1" in these centuries), converted to
FK5, plus nutation in longitude (IAU 1980, the terms above 0.0005") and annual aberration. That
gives the moment in Terrestrial Time; ΔT (TT − UT, about 69 s in the 2020s) turns it into UT,
and Beijing time is UT + 8 h. Almanacs publish the minute, so the moment is rounded to it.

Pure Python, no network, no third-party package: ``python scripts/solar_terms.py`` rewrites the
data file (``--years 2020-2035`` by default). The tests compare every moment with PyEphem and
with published Hong Kong Observatory and Purple Mountain Observatory values.
"""

import argparse
import json
import math
from datetime import datetime, timedelta
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "src" / "anju" / "notices" / "data"

# Order 1 is 小寒 (285°), the first term of a Gregorian year; then every 15°.
NAMES = [
    "小寒", "大寒", "立春", "雨水", "惊蛰", "春分", "清明", "谷雨", "立夏", "小满", "芒种", "夏至",
    "小暑", "大暑", "立秋", "处暑", "白露", "秋分", "寒露", "霜降", "立冬", "小雪", "大雪", "冬至",
]  # fmt: skip

# VSOP87D, Earth: terms (A, B, C) of A·cos(B + C·τ), τ in Julian millennia from J2000 TT;
# A in 1e-8 radians (longitude, latitude) or 1e-8 au (radius).
L0 = [
    (175347046, 0, 0), (3341656, 4.6692568, 6283.07585), (34894, 4.6261, 12566.1517),
    (3497, 2.7441, 5753.3849), (3418, 2.8289, 3.5231), (3136, 3.6277, 77713.7715),
    (2676, 4.4181, 7860.4194), (2343, 6.1352, 3930.2097), (1324, 0.7425, 11506.7698),
    (1273, 2.0371, 529.691), (1199, 1.1096, 1577.3435), (990, 5.233, 5884.927),
    (902, 2.045, 26.298), (857, 3.508, 398.149), (780, 1.179, 5223.694), (753, 2.533, 5507.553),
    (505, 4.583, 18849.228), (492, 4.205, 775.523), (357, 2.92, 0.067), (317, 5.849, 11790.629),
    (284, 1.899, 796.298), (271, 0.315, 10977.079), (243, 0.345, 5486.778),
    (206, 4.806, 2544.314), (205, 1.869, 5573.143), (202, 2.458, 6069.777),
    (156, 0.833, 213.299), (132, 3.411, 2942.463), (126, 1.083, 20.775), (115, 0.645, 0.98),
    (103, 0.636, 4694.003), (102, 0.976, 15720.839), (102, 4.267, 7.114), (99, 6.21, 2146.17),
    (98, 0.68, 155.42), (86, 5.98, 161000.69), (85, 1.3, 6275.96), (85, 3.67, 71430.7),
    (80, 1.81, 17260.15), (79, 3.04, 12036.46), (75, 1.76, 5088.63), (74, 3.5, 3154.69),
    (74, 4.68, 801.82), (70, 0.83, 9437.76), (62, 3.98, 8827.39), (61, 1.82, 7084.9),
    (57, 2.78, 6286.6), (56, 4.39, 14143.5), (56, 3.47, 6279.55), (52, 0.19, 12139.55),
    (52, 1.33, 1748.02), (51, 0.28, 5856.48), (49, 0.49, 1194.45), (41, 5.37, 8429.24),
    (41, 2.4, 19651.05), (39, 6.17, 10447.39), (37, 6.04, 10213.29), (37, 2.57, 1059.38),
    (36, 1.71, 2352.87), (36, 1.78, 6812.77), (33, 0.59, 17789.85), (30, 0.44, 83996.85),
    (30, 2.74, 1349.87), (25, 3.16, 4690.48),
]  # fmt: skip
L1 = [
    (628331966747, 0, 0), (206059, 2.678235, 6283.07585), (4303, 2.6351, 12566.1517),
    (425, 1.59, 3.523), (119, 5.796, 26.298), (109, 2.966, 1577.344), (93, 2.59, 18849.23),
    (72, 1.14, 529.69), (68, 1.87, 398.15), (67, 4.41, 5507.55), (59, 2.89, 5223.69),
    (56, 2.17, 155.42), (45, 0.4, 796.3), (36, 0.47, 775.52), (29, 2.65, 7.11),
    (21, 5.34, 0.98), (19, 1.85, 5486.78), (19, 4.97, 213.3), (17, 2.99, 6275.96),
    (16, 0.03, 2544.31), (16, 1.43, 2146.17), (15, 1.21, 10977.08), (12, 2.83, 1748.02),
    (12, 3.26, 5088.63), (12, 5.27, 1194.45), (12, 2.08, 4694.0), (11, 0.77, 553.57),
    (10, 1.3, 6286.6), (10, 4.24, 1349.87), (9, 2.7, 242.73), (9, 5.64, 951.72),
    (8, 5.3, 2352.87), (6, 2.65, 9437.76), (6, 4.67, 4690.48),
]  # fmt: skip
L2 = [
    (52919, 0, 0), (8720, 1.0721, 6283.0758), (309, 0.867, 12566.152), (27, 0.05, 3.52),
    (16, 5.19, 26.3), (16, 3.68, 155.42), (10, 0.76, 18849.23), (9, 2.06, 77713.77),
    (7, 0.83, 775.52), (5, 4.66, 1577.34), (4, 1.03, 7.11), (4, 3.44, 5573.14),
    (3, 5.14, 796.3), (3, 6.05, 5507.55), (3, 1.19, 242.73), (3, 6.12, 529.69),
    (3, 0.31, 398.15), (3, 2.28, 553.57), (2, 4.38, 5223.69), (2, 3.75, 0.98),
]  # fmt: skip
L3 = [
    (289, 5.844, 6283.076), (35, 0, 0), (17, 5.49, 12566.15), (3, 5.2, 155.42),
    (1, 4.72, 3.52), (1, 5.3, 18849.23), (1, 5.97, 242.73),
]  # fmt: skip
L4 = [(114, 3.142, 0), (8, 4.13, 6283.08), (1, 3.84, 12566.15)]
L5 = [(1, 3.14, 0)]
R0 = [
    (100013989, 0, 0), (1670700, 3.0984635, 6283.07585), (13956, 3.05525, 12566.1517),
    (3084, 5.1985, 77713.7715), (1628, 1.1739, 5753.3849), (1576, 2.8469, 7860.4194),
    (925, 5.453, 11506.77), (542, 4.564, 3930.21), (472, 3.661, 5884.927),
    (346, 0.964, 5507.553), (329, 5.9, 5223.694), (307, 0.299, 5573.143),
    (243, 4.273, 11790.629), (212, 5.847, 1577.344), (186, 5.022, 10977.079),
    (175, 3.012, 18849.228), (110, 5.055, 5486.778), (98, 0.89, 6069.78), (86, 5.69, 15720.84),
    (86, 1.27, 161000.69), (65, 0.27, 17260.15), (63, 0.92, 529.69), (57, 2.01, 83996.85),
    (56, 5.24, 71430.7), (49, 3.25, 2544.31), (47, 2.58, 775.52), (45, 5.54, 9437.76),
    (43, 6.01, 6275.96), (39, 5.36, 4694.0), (38, 2.39, 8827.39), (37, 0.83, 19651.05),
    (37, 4.9, 12139.55), (36, 1.67, 12036.46), (35, 1.84, 2942.46), (33, 0.24, 7084.9),
    (32, 0.18, 5088.63), (32, 1.78, 398.15), (28, 1.21, 6286.6), (28, 1.9, 6279.55),
    (26, 4.59, 10447.39),
]  # fmt: skip
R1 = [
    (103019, 1.10749, 6283.07585), (1721, 1.0644, 12566.1517), (702, 3.142, 0),
    (32, 1.02, 18849.23), (31, 2.84, 5507.55), (25, 1.32, 5223.69), (18, 1.42, 1577.34),
    (10, 5.91, 10977.08), (9, 1.42, 6275.96), (9, 0.27, 5486.78),
]  # fmt: skip
R2 = [
    (4359, 5.7846, 6283.0758), (124, 5.579, 12566.152), (12, 3.14, 0), (9, 3.63, 77713.77),
    (6, 1.87, 5573.14), (3, 5.47, 18849.23),
]  # fmt: skip
R3 = [(145, 4.273, 6283.076), (7, 3.92, 12566.15)]
R4 = [(4, 2.56, 6283.08)]

# Nutation in longitude, IAU 1980: multiples of (D, M, M', F, Ω) and the coefficient of sin,
# A + B·T, in 0.0001". Terms below 0.0005" are left out (together under 0.01", 0.2 s of time).
NUTATION = [
    (0, 0, 0, 0, 1, -171996, -174.2), (-2, 0, 0, 2, 2, -13187, -1.6),
    (0, 0, 0, 2, 2, -2274, -0.2), (0, 0, 0, 0, 2, 2062, 0.2), (0, 1, 0, 0, 0, 1426, -3.4),
    (0, 0, 1, 0, 0, 712, 0.1), (-2, 1, 0, 2, 2, -517, 1.2), (0, 0, 0, 2, 1, -386, -0.4),
    (0, 0, 1, 2, 2, -301, 0), (-2, -1, 0, 2, 2, 217, -0.5), (-2, 0, 1, 0, 0, -158, 0),
    (-2, 0, 0, 2, 1, 129, 0.1), (0, 0, -1, 2, 2, 123, 0), (2, 0, 0, 0, 0, 63, 0),
    (0, 0, 1, 0, 1, 63, 0.1), (2, 0, -1, 2, 2, -59, 0), (0, 0, -1, 0, 1, -58, -0.1),
    (0, 0, 1, 2, 1, -51, 0), (-2, 0, 2, 0, 0, 48, 0), (0, 0, -2, 2, 1, 46, 0),
    (2, 0, 0, 2, 2, -38, 0), (0, 0, 2, 2, 2, -31, 0), (0, 0, 2, 0, 0, 29, 0),
    (-2, 0, 1, 2, 2, 29, 0), (0, 0, 0, 2, 0, 26, 0), (-2, 0, 0, 2, 0, -22, 0),
    (0, 0, -1, 2, 1, 21, 0), (0, 2, 0, 0, 0, 17, -0.1), (2, 0, -1, 0, 1, 16, 0),
    (-2, 2, 0, 2, 2, -16, 0.1), (0, 1, 0, 0, 1, -15, 0), (-2, 0, 1, 0, 1, -13, 0),
    (0, -1, 0, 0, 1, -12, 0), (0, 0, 2, -2, 0, 11, 0), (2, 0, -1, 2, 1, -10, 0),
    (2, 0, 1, 2, 2, -8, 0), (0, 1, 0, 2, 2, 7, 0), (-2, 1, 1, 0, 0, -7, 0),
    (0, -1, 0, 2, 2, -7, 0), (2, 0, 0, 2, 1, -7, 0), (2, 0, 1, 0, 0, 6, 0),
    (-2, 0, 2, 2, 2, 6, 0), (-2, 0, 1, 2, 1, 6, 0), (2, 0, -2, 0, 1, -6, 0),
    (2, 0, 0, 0, 1, -6, 0), (0, -1, 1, 0, 0, 5, 0), (-2, -1, 0, 2, 1, -5, 0),
    (-2, 0, 0, 0, 1, -5, 0), (0, 0, 2, 2, 1, -5, 0),
]  # fmt: skip

# ΔT = TT − UT1 in seconds at the start of each year: IERS Bulletin values to 2025, then held
# near the 2025 value (the Earth's rotation has been steady to slightly faster since 2016; the
# IERS predictions stay within about a second of it). A second of ΔT moves a moment by a second.
DELTA_T = {
    2000: 63.83, 2001: 64.09, 2002: 64.30, 2003: 64.47, 2004: 64.57, 2005: 64.69, 2006: 64.85,
    2007: 65.15, 2008: 65.46, 2009: 65.78, 2010: 66.07, 2011: 66.32, 2012: 66.60, 2013: 66.91,
    2014: 67.28, 2015: 67.64, 2016: 68.10, 2017: 68.59, 2018: 68.97, 2019: 69.22, 2020: 69.36,
    2021: 69.36, 2022: 69.29, 2023: 69.20, 2024: 69.18, 2025: 69.14, 2026: 69.1,
}  # fmt: skip
LAST_DELTA_T = 69.1

J2000 = 2451545.0
BEIJING = timedelta(hours=8)
UNIX_EPOCH_JD = 2440587.5


def _series(terms, tau):
    return sum(a * math.cos(b + c * tau) for a, b, c in terms)


def _sum(parts, tau):
    return sum(_series(terms, tau) * tau**power for power, terms in enumerate(parts)) / 1e8


def geometric_longitude(jde):
    """The Sun's geometric geocentric longitude (degrees, FK5, mean equinox of date)."""
    tau = (jde - J2000) / 365250
    sun = math.degrees(_sum([L0, L1, L2, L3, L4, L5], tau)) + 180
    # VSOP87 to FK5 (Meeus 25.9): in longitude a constant -0.09033". The Sun's latitude (under
    # 1") does not move a moment of longitude, so it is not computed.
    return (sun - 0.09033 / 3600) % 360


def radius(jde):
    """The Earth-Sun distance in au."""
    tau = (jde - J2000) / 365250
    return _sum([R0, R1, R2, R3, R4], tau)


def nutation_in_longitude(jde):
    """Δψ in degrees (IAU 1980)."""
    t = (jde - J2000) / 36525
    d = math.radians(297.85036 + 445267.111480 * t - 0.0019142 * t * t + t**3 / 189474)
    m = math.radians(357.52772 + 35999.050340 * t - 0.0001603 * t * t - t**3 / 300000)
    mm = math.radians(134.96298 + 477198.867398 * t + 0.0086972 * t * t + t**3 / 56250)
    f = math.radians(93.27191 + 483202.017538 * t - 0.0036825 * t * t + t**3 / 327270)
    om = math.radians(125.04452 - 1934.136261 * t + 0.0020708 * t * t + t**3 / 450000)
    total = 0.0
    for kd, km, kmm, kf, kom, a, b in NUTATION:
        total += (a + b * t) * math.sin(kd * d + km * m + kmm * mm + kf * f + kom * om)
    return total / 1e4 / 3600


def apparent_longitude(jde):
    """The Sun's apparent geocentric longitude (degrees, true equinox of date)."""
    aberration = -20.4898 / 3600 / radius(jde)
    return (geometric_longitude(jde) + nutation_in_longitude(jde) + aberration) % 360


def delta_t(year_fraction):
    """TT − UT in seconds, interpolated in the table (held at the last value after it)."""
    year = int(math.floor(year_fraction))
    if year >= max(DELTA_T):
        return LAST_DELTA_T
    if year < min(DELTA_T):
        raise ValueError("ΔT table starts in 2000")
    low, high = DELTA_T[year], DELTA_T.get(year + 1, LAST_DELTA_T)
    return low + (high - low) * (year_fraction - year)


def moment_reaching(longitude, jde_guess):
    """The JDE (TT) near ``jde_guess`` when the apparent longitude equals ``longitude``."""
    jde = jde_guess
    for _ in range(10):
        error = (longitude - apparent_longitude(jde) + 180) % 360 - 180
        jde += error * 365.2422 / 360  # the Sun moves about 360° a tropical year
        if abs(error) < 1e-7:  # 0.0004": a hundredth of a second
            break
    return jde


# Naive datetimes here are wall clocks of a time scale (TT, or Beijing time), not of a zone.
EPOCH = datetime(1970, 1, 1)  # noqa: DTZ001


def jd_to_datetime(jd):
    return EPOCH + timedelta(days=jd - UNIX_EPOCH_JD)


def datetime_to_jd(moment):
    return UNIX_EPOCH_JD + (moment - EPOCH).total_seconds() / 86400


def term_moment(year, order):
    """Beijing time (naive datetime, to the second) of term ``order`` (1 = 小寒) in ``year``."""
    longitude = (285 + 15 * (order - 1)) % 360
    # Terms fall near the 6th and 21st of each month: a guess within a day is plenty.
    guess = EPOCH.replace(year=year, day=6) + timedelta(days=(order - 1) * 365.2422 / 24)
    jde = moment_reaching(longitude, datetime_to_jd(guess))
    tt = jd_to_datetime(jde)
    fraction = year + (tt - EPOCH.replace(year=year)).total_seconds() / (365.2425 * 86400)
    return tt - timedelta(seconds=delta_t(fraction)) + BEIJING


def rounded_to_minute(moment):
    """To the nearest minute, as almanacs publish it, without carrying a term past midnight
    (its date is the date of the moment itself)."""
    rounded = (moment + timedelta(seconds=30)).replace(second=0, microsecond=0)
    if rounded.date() != moment.date():
        rounded = moment.replace(second=0, microsecond=0)
    return rounded


def solar_terms(year):
    rows = []
    for order, name in enumerate(NAMES, start=1):
        moment = rounded_to_minute(term_moment(year, order))
        rows.append(
            {
                "year": year,
                "name": name,
                "order": order,
                "date": moment.date().isoformat(),
                "moment": moment.strftime("%Y-%m-%d %H:%M"),
            }
        )
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", default="2020-2035", help="first-last, e.g. 2020-2035")
    parser.add_argument("--output", type=Path, default=DATA / "solar_terms.json")
    args = parser.parse_args()
    first, last = (int(part) for part in args.years.split("-"))
    rows = [term for year in range(first, last + 1) for term in solar_terms(year)]
    text = json.dumps(rows, ensure_ascii=False, indent=0)
    args.output.write_text(text + "\n", encoding="utf-8")
    print(f"{len(rows)} solar terms, {first}-{last}, written to {args.output}")


if __name__ == "__main__":
    main()
