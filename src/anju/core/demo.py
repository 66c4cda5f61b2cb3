"""Demo data that tells a story (UX.md): a company, two communities with plausible Chinese
names and addresses, about 600 houses, owners, tenants, an unsold block, and staff for every
role. Domain apps extend it through ``anju.<app>.demo.build(ctx)``."""

import random
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from tqdm import tqdm

from . import audit
from .apps import anju_apps
from .choices import AreaSource, HouseUsage, Relation, Role
from .crypto import blind_index
from .models import (
    Building,
    Community,
    Entrance,
    House,
    Membership,
    Occupancy,
    Organization,
    Person,
    User,
)

DEMO_PASSWORD = "anju2026"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰文辉鹏飞建国志强婷雪梅欣怡子涵浩然宇轩晨曦佳琪思远俊杰雨萱梓睿嘉怡"

STAFF = [
    ("admin", "周建国", Role.ORG_ADMIN, None),
    ("manager", "陈立新", Role.MANAGER, 0),
    ("manager2", "孙海燕", Role.MANAGER, 1),
    ("agent", "李晓雯", Role.AGENT, None),
    ("tech", "王师傅 王德明", Role.TECHNICIAN, None),
    ("tech2", "赵师傅 赵永强", Role.TECHNICIAN, 0),
    ("guard", "刘保安 刘振华", Role.GUARD, 0),
    ("cleaner", "张阿姨 张桂英", Role.CLEANER, 0),
    ("cashier", "吴丽娟", Role.CASHIER, None),
    ("finance", "郑会计 郑敏", Role.FINANCE, None),
    ("committee", "黄志远", Role.COMMITTEE, 0),
]


@dataclass
class DemoContext:
    """What domain demo builders receive: the world made by core."""

    organization: Organization
    communities: list
    staff: dict  # username -> User
    residents: list = field(default_factory=list)  # (User, Person, House) with logins
    rng: random.Random = field(default_factory=lambda: random.Random(2026))
    today: date = field(default_factory=timezone.localdate)
    out: object = sys.stdout


def _name(rng):
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _phone(rng, used):
    while True:
        phone = (
            rng.choice(
                ["139", "138", "137", "136", "135", "158", "159", "186", "188", "177", "133", "199"]
            )
            + f"{rng.randrange(10**8):08d}"
        )
        if phone not in used:
            used.add(phone)
            return phone


def _id_number(rng, birth_year):
    body = f"{rng.choice(['330106', '310115', '110105', '320102'])}{birth_year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randrange(1000):03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]


def _houses_for(community, building_specs, org, rng):
    houses = []
    for bname, entrances, floors, per_floor, sold, delivered in building_specs:
        building = Building.objects.create(
            organization=org, community=community, name=bname, floors=floors
        )
        for e in range(1, entrances + 1):
            entrance = Entrance.objects.create(
                organization=org, community=community, building=building, name=f"{e}单元"
            )
            for floor in range(1, floors + 1):
                for unit in range(1, per_floor + 1):
                    area = Decimal(
                        rng.choice(
                            ["89.36", "96.52", "108.75", "118.20", "126.48", "138.90", "143.66"]
                        )
                    )
                    houses.append(
                        House(
                            organization=org,
                            community=community,
                            building=building,
                            entrance=entrance,
                            number=f"{e}-{floor}{unit:02d}",
                            floor=floor,
                            usage=HouseUsage.RESIDENTIAL,
                            area=area,
                            area_source=rng.choices(
                                [AreaSource.REGISTRY, AreaSource.SURVEY, AreaSource.CONTRACT],
                                [85, 10, 5],
                            )[0],
                            sold=sold,
                            delivered=delivered,
                            delivered_on=date(2019, 6, 30) if delivered else None,
                        )
                    )
    return houses


@transaction.atomic
def build(out=sys.stdout, progress=True):
    rng = random.Random(2026)
    if Organization.objects.filter(name="安居物业服务有限公司").exists():
        out.write("Demo data already loaded.\n")
        return None
    org = Organization.objects.create(
        name="安居物业服务有限公司",
        credit_code="91330106MA2GXXXX1K",
        phone="0571-88886666",
        address="浙江省杭州市西湖区文三路 398 号",
    )
    a = Community.objects.create(
        organization=org,
        name="翠湖花园",
        address="浙江省杭州市西湖区文三路 388 号",
        jurisdiction="330106",
        service_level=1,
        service_phone="0571-88881234",
        developer="杭州翠湖置业有限公司",
    )
    b = Community.objects.create(
        organization=org,
        name="锦绣华庭",
        address="上海市浦东新区张杨路 1500 弄",
        jurisdiction="310115",
        service_level=2,
        service_phone="021-58881234",
        developer="上海锦绣房地产开发有限公司",
    )
    houses = _houses_for(a, [(f"{n}幢", 2, 11, 2, True, True) for n in range(1, 7)], org, rng)
    houses += _houses_for(b, [(f"{n}号楼", 2, 12, 2, True, True) for n in range(1, 5)], org, rng)
    # The unsold block: still the developer's (counts as one head in votes, billed to the developer).
    houses += _houses_for(b, [("5号楼", 1, 12, 2, False, False)], org, rng)
    for community, prefix, count in ((a, "车位", 30), (b, "车位", 24)):
        garage = Building.objects.create(organization=org, community=community, name="地下车库")
        houses += [
            House(
                organization=org,
                community=community,
                building=garage,
                number=f"{prefix}B{i:03d}",
                floor=-1,
                usage=HouseUsage.PARKING,
                area=Decimal("12.50"),
                area_source=AreaSource.SURVEY,
            )
            for i in range(1, count + 1)
        ]
    shops = Building.objects.create(organization=org, community=a, name="沿街商铺")
    houses += [
        House(
            organization=org,
            community=a,
            building=shops,
            number=f"S{i:02d}",
            floor=1,
            usage=HouseUsage.COMMERCIAL,
            area=Decimal(rng.choice(["45.20", "62.80", "88.00"])),
            area_source=AreaSource.REGISTRY,
        )
        for i in range(1, 13)
    ]
    House.objects.bulk_create(houses, batch_size=1000)
    houses = list(House.objects.filter(organization=org).select_related("building"))

    used_phones = set()
    people, occupancies = [], []
    owners_by_index = []
    sold_homes = [h for h in houses if h.sold and h.usage != HouseUsage.PARKING]
    for house in sold_homes:
        owner = Person(
            organization=org,
            name=_name(rng),
            phone=_phone(rng, used_phones),
            id_number=_id_number(rng, rng.randint(1950, 1995)),
        )
        owner.id_number_index = blind_index(owner.id_number)
        people.append(owner)
        owners_by_index.append((house, owner))
    # An owner with three homes, and some co-owned homes.
    Person.objects.bulk_create(people, batch_size=1000)
    multi_owner = owners_by_index[3][1]
    for i, (house, owner) in enumerate(owners_by_index):
        if i in (7, 19):
            owner = multi_owner
        occupancies.append(
            Occupancy(
                organization=org,
                community_id=house.community_id,
                house=house,
                person=owner,
                relation=Relation.OWNER,
                is_payer=True,
                is_representative=True,
                since=date(2019, 7, 1) + timedelta(days=rng.randrange(1500)),
            )
        )
    extra = []
    for house, owner in owners_by_index:
        roll = rng.random()
        if roll < 0.12:
            tenant = Person(organization=org, name=_name(rng), phone=_phone(rng, used_phones))
            extra.append(
                (
                    tenant,
                    Occupancy(
                        organization=org,
                        community_id=house.community_id,
                        house=house,
                        relation=Relation.TENANT,
                        is_payer=rng.random() < 0.5,
                        since=date(2025, rng.randint(1, 12), 1),
                    ),
                )
            )
        elif roll < 0.20:
            spouse = Person(
                organization=org,
                name=owner.name[0] + _name(rng)[1:],
                phone=_phone(rng, used_phones),
            )
            extra.append(
                (
                    spouse,
                    Occupancy(
                        organization=org,
                        community_id=house.community_id,
                        house=house,
                        relation=Relation.CO_OWNER,
                    ),
                )
            )
        elif roll < 0.55:
            member = Person(
                organization=org,
                name=owner.name[0] + _name(rng)[1:],
                phone=_phone(rng, used_phones),
            )
            extra.append(
                (
                    member,
                    Occupancy(
                        organization=org,
                        community_id=house.community_id,
                        house=house,
                        relation=Relation.FAMILY,
                    ),
                )
            )
    # A tenant who moved out (no longer receives notices).
    moved = Person(organization=org, name="钱多多", phone=_phone(rng, used_phones))
    extra.append(
        (
            moved,
            Occupancy(
                organization=org,
                community_id=sold_homes[5].community_id,
                house=sold_homes[5],
                relation=Relation.TENANT,
                since=date(2024, 3, 1),
                until=date(2025, 8, 31),
            ),
        )
    )
    Person.objects.bulk_create([p for p, _ in extra], batch_size=1000)
    for person, occ in extra:
        occ.person = person
        occupancies.append(occ)
    # Parking spaces: owned by some home owners.
    parking = [h for h in houses if h.usage == HouseUsage.PARKING]
    for space, (house, owner) in zip(parking[:40], owners_by_index[::6], strict=False):
        if space.community_id == house.community_id:
            occupancies.append(
                Occupancy(
                    organization=org,
                    community_id=space.community_id,
                    house=space,
                    person=owner,
                    relation=Relation.OWNER,
                    is_payer=True,
                    is_representative=True,
                )
            )
    Occupancy.objects.bulk_create(occupancies, batch_size=1000)

    password = make_password(DEMO_PASSWORD)
    staff = {}
    for username, full_name, role, community_index in STAFF:
        user = User.objects.create(
            username=username,
            first_name=full_name.split(" ")[-1],
            password=password,
            phone=_phone(rng, used_phones),
            home_organization=org,
        )
        membership = Membership.objects.create(user=user, organization=org, role=role)
        if community_index is not None:
            membership.communities.set([(a, b)[community_index]])
        staff[username] = user
    superuser = User.objects.create(
        username="root",
        password=password,
        is_superuser=True,
        is_staff=True,
        first_name="平台管理员",
    )
    staff["root"] = superuser

    residents = []
    for house, owner in (owners_by_index[0], owners_by_index[3], owners_by_index[300]):
        if User.objects.filter(person=owner).exists():
            continue
        user = User.objects.create(
            username=f"r{owner.phone}",
            phone=owner.phone,
            person=owner,
            password=password,
            first_name=owner.name,
        )
        residents.append((user, owner, house))
    audit.record(
        staff["admin"], "core.demo.loaded", org, organization=org, after={"houses": len(houses)}
    )

    ctx = DemoContext(
        organization=org, communities=[a, b], staff=staff, residents=residents, rng=rng, out=out
    )
    for config in anju_apps():
        config.build_demo(ctx)
    out.write(
        f"Demo: {len(houses)} houses, {Person.objects.filter(organization=org).count()} people.\n"
    )
    return ctx


def print_logins(out=sys.stdout):
    users = User.objects.filter(username__in=[s[0] for s in STAFF] + ["root"]).prefetch_related(
        "memberships"
    )
    if not users:
        return
    out.write(f"\nDemo logins (password for all: {DEMO_PASSWORD})\n")
    out.write("  Console http://127.0.0.1:8000/console/\n")
    roles = dict(Role.choices)
    for user in users.order_by("id"):
        role = next(
            (str(roles[m.role]) for m in user.memberships.all()), str(_("platform superuser"))
        )
        out.write(f"    {user.username:<10} {role}\n")
    out.write("  Resident portal http://127.0.0.1:8000/app/ (log in with the phone number)\n")
    for user in User.objects.filter(person__isnull=False).order_by("id")[:3]:
        out.write(f"    {user.phone:<12} {user.person.name}\n")
    out.write("\n")


def build_large(count: int, progress=True, out=sys.stdout, houses_per_community=10000):
    """Bulk data set for benchmarks: ``count`` houses with one owner each."""
    started = time.monotonic()
    rng = random.Random(7)
    org = Organization.objects.create(name=f"基准测试物业 {count}")
    made_houses = made_people = 0
    bar = tqdm(total=count, disable=not progress, unit="house", file=sys.stderr)
    community_index = 0
    while made_houses < count:
        community_index += 1
        size = min(houses_per_community, count - made_houses)
        with transaction.atomic():
            community = Community.objects.create(
                organization=org, name=f"基准小区{community_index:03d}", jurisdiction="000000"
            )
            buildings = Building.objects.bulk_create(
                [
                    Building(organization=org, community=community, name=f"{n}幢", floors=25)
                    for n in range(1, size // 100 + 2)
                ]
            )
            batch = []
            for i in range(size):
                building = buildings[i // 100]
                batch.append(
                    House(
                        organization=org,
                        community=community,
                        building=building,
                        number=f"{(i % 100) // 4 + 1}{i % 4 + 1:02d}",
                        floor=(i % 100) // 4 + 1,
                        area=Decimal(80 + rng.randrange(8000) / 100).quantize(Decimal("0.01")),
                        area_source=AreaSource.REGISTRY,
                    )
                )
            House.objects.bulk_create(batch, batch_size=5000)
            houses = list(House.objects.filter(community=community).values_list("pk", flat=True))
            people = Person.objects.bulk_create(
                [
                    Person(
                        organization=org,
                        name=_name(rng),
                        phone=f"1{rng.randrange(3, 9)}{rng.randrange(10**9):09d}",
                    )
                    for _ in houses
                ],
                batch_size=5000,
            )
            Occupancy.objects.bulk_create(
                [
                    Occupancy(
                        organization=org,
                        community=community,
                        house_id=h,
                        person=p,
                        relation=Relation.OWNER,
                        is_payer=True,
                        is_representative=True,
                    )
                    for h, p in zip(houses, people, strict=True)
                ],
                batch_size=5000,
            )
        made_houses += size
        made_people += len(people)
        bar.update(size)
    bar.close()
    return {
        "houses": made_houses,
        "people": made_people,
        "seconds": time.monotonic() - started,
        "organization": org.pk,
    }
