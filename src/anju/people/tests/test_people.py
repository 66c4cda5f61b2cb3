"""People: licences the work needs (the service desk and facilities ask through core's
assignment hook), expiry alerts once, clocking inside the geofence, attendance against the
duty roster across midnight, corrections, turnover on a hand-computed example, suggestions."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from anju.core.errors import DomainError, Forbidden, InvalidTransition
from anju.core.models import AuditEntry, Notification
from anju.people import selectors, services
from anju.people.choices import CertificateKind, ClockMethod, DayMark, WorkKind
from anju.people.models import ClockRecord
from anju.servicedesk import services as desk
from anju.servicedesk.models import Ticket

pytestmark = pytest.mark.django_db

CENTRE = ("30.274100", "120.155100")


def _aware(day, hour, minute=0):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _hire(world, login=None, name="王师傅", position="technician", **extra):
    fields = {"hire_date": date(2024, 1, 1)} | extra
    return services.hire(
        actor=world.users["manager"],
        community=world.community,
        user=world.users.get(login) if login else None,
        name=name,
        position=position,
        **fields,
    )


def _licence(world, employee, kind=CertificateKind.LIFT, expires_in=400):
    today = timezone.localdate()
    return services.add_certificate(
        actor=world.users["manager"],
        employee=employee,
        kind=kind,
        number="TS-0001",
        issued_on=today - timedelta(days=300),
        expires_on=today + timedelta(days=expires_in),
    )


def _lift_ticket(world):
    return desk.open_ticket(
        actor=world.users["agent"],
        community=world.community,
        kind="repair",
        category="elevator",
        description="3号楼电梯困人后停运",
        channel="phone",
        house=world.house,
    )


@pytest.fixture
def lifts(world):
    """The company requires a lift licence for lift tickets; two technicians, one licensed."""
    from anju.core.testing import make_user

    services.require_licence(
        actor=world.users["org_admin"],
        organization=world.org,
        work=WorkKind.TICKET,
        key="elevator",
        kind=CertificateKind.LIFT,
    )
    licensed = make_user(
        "licensed", org=world.org, role="technician", communities=[world.community]
    )
    world.users["licensed"] = licensed
    _licence(world, _hire(world, "licensed", name="持证技工"))
    _hire(world, "technician", name="无证技工")
    return SimpleNamespace(licensed=licensed, unlicensed=world.users["technician"])


def test_a_lift_ticket_cannot_go_to_a_technician_without_a_valid_lift_licence(world, lifts):
    ticket = _lift_ticket(world)
    with pytest.raises(DomainError) as refused:
        desk.assign(actor=world.users["agent"], ticket=ticket, assignee=lifts.unlicensed)
    assert refused.value.code == "certificate_required"
    assert refused.value.extra["licence"] == "lift" and "assignee" in refused.value.fields
    assert Ticket.objects.get(pk=ticket.pk).assignee_id is None
    # Automatic dispatch skips the unlicensed one (who has less load: none) and picks the other.
    assigned = desk.assign(actor=world.users["agent"], ticket=ticket)
    assert assigned.assignee_id == lifts.licensed.pk
    # A water ticket needs no licence: the unlicensed technician may take it.
    water = desk.open_ticket(
        actor=world.users["agent"],
        community=world.community,
        kind="repair",
        category="water",
        description="漏水",
        channel="phone",
        house=world.house,
    )
    assert desk.assign(actor=world.users["agent"], ticket=water, assignee=lifts.unlicensed)


def test_an_expired_licence_does_not_count_and_completion_is_refused(world, lifts):
    ticket = desk.assign(
        actor=world.users["agent"], ticket=_lift_ticket(world), assignee=lifts.licensed
    )
    desk.accept(actor=lifts.licensed, ticket=ticket)
    desk.arrive(actor=lifts.licensed, ticket=ticket)
    cert = lifts.licensed.employee.certificates.get()
    today = timezone.localdate()
    services.update_certificate(
        actor=world.users["manager"],
        certificate=cert,
        issued_on=today - timedelta(days=800),
        expires_on=today - timedelta(days=1),
    )
    with pytest.raises(DomainError) as refused:
        desk.resolve(actor=lifts.licensed, ticket=ticket, note="已放人，更换门锁")
    assert refused.value.code == "certificate_required"
    # And nobody is licensed now: automatic dispatch finds no one.
    with pytest.raises(DomainError):
        desk.assign(actor=world.users["agent"], ticket=_lift_ticket(world))


def test_the_api_answers_400_certificate_required_naming_the_licence(world, lifts, api):
    ticket = _lift_ticket(world)
    response = api(world.users["agent"]).post(
        f"/api/v1/tickets/{ticket.pk}/assign/", {"assignee": lifts.unlicensed.pk}, format="json"
    )
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "certificate_required"
    assert "电梯" in error["message"] or "lift" in error["message"].lower()


def test_licences_are_kept_at_the_contracted_path(world, api):
    """``/api/v1/certificates/`` holds people's licences (issue 23's contract); the assets'
    certificates are ``/api/v1/asset-certificates/``."""
    employee = _hire(world, "technician")
    client = api(world.users["manager"])
    made = client.post(
        "/api/v1/certificates/",
        {
            "employee": employee.pk,
            "kind": CertificateKind.LIFT,
            "number": "TS3301-2026-0001",
            "issued_on": "2026-01-05",
            "expires_on": "2030-01-04",
        },
        format="json",
    )
    assert made.status_code == 201, made.content
    listed = client.get("/api/v1/certificates/", {"employee": employee.pk}).json()["results"]
    assert [(c["number"], c["expires_on"]) for c in listed] == [("TS3301-2026-0001", "2030-01-04")]
    assert client.get("/api/v1/asset-certificates/").status_code == 200
    outsider = api(world.users["stranger"]).get(f"/api/v1/certificates/{made.json()['id']}/")
    assert outsider.status_code in (403, 404)


def test_a_lift_maintenance_plan_needs_the_licence_too(world):
    from anju.facilities import services as facilities

    services.require_licence(
        actor=world.users["org_admin"],
        organization=world.org,
        work=WorkKind.MAINTENANCE,
        key="elevator",
        kind=CertificateKind.LIFT,
    )
    with pytest.raises(DomainError) as refused:
        facilities.create_plan(
            actor=world.users["manager"],
            community=world.community,
            name="电梯半月保养",
            category="elevator",
            frequency="every_n_days",
            interval=15,
            starts_on=timezone.localdate(),
            assignee=world.users["technician"],
        )
    assert refused.value.code == "certificate_required"
    _licence(world, _hire(world, "technician"))
    assert facilities.create_plan(
        actor=world.users["manager"],
        community=world.community,
        name="电梯半月保养",
        category="elevator",
        frequency="every_n_days",
        interval=15,
        starts_on=timezone.localdate(),
        assignee=world.users["technician"],
    )


def test_expiry_alerts_60_and_30_days_ahead_each_once(world):
    employee = _hire(world, "technician")
    cert = _licence(world, employee, expires_in=75)
    today = timezone.localdate()
    sent = lambda day: services.alert_expiring(today=day)  # noqa: E731
    assert sent(today) == 0  # 75 days ahead: not yet
    assert sent(today + timedelta(days=15)) == 1  # 60 days ahead
    assert sent(today + timedelta(days=16)) == 0  # once
    assert sent(today + timedelta(days=44)) == 0  # 31 days: between the two
    assert sent(today + timedelta(days=45)) == 1  # 30 days ahead
    assert sent(today + timedelta(days=46)) == 0
    mine = Notification.objects.filter(
        user=world.users["technician"], event="people.certificate.alerted"
    )
    assert mine.count() == 2
    assert (
        Notification.objects.filter(
            user=world.users["manager"], event="people.certificate.alerted"
        ).count()
        == 2
    )
    cert.refresh_from_db()
    assert cert.alerted == [30, 60]


def test_a_licence_found_late_is_alerted_once_with_the_nearer_lead(world):
    _licence(world, _hire(world, "technician"), expires_in=20)
    assert services.alert_expiring() == 1
    assert services.alert_expiring() == 0


@pytest.fixture
def site(world):
    return services.set_site(
        actor=world.users["manager"],
        community=world.community,
        latitude=CENTRE[0],
        longitude=CENTRE[1],
        radius_m=200,
    )


def test_geofence_boundaries(world, site):
    _hire(world, "technician")
    tech = world.users["technician"]
    # 0.0017966 degrees of latitude is ~199.8 m; 0.0018056 is ~200.8 m.
    inside = services.clock(actor=tech, kind="in", lat="30.275896", lng=CENTRE[1])
    assert inside.method == ClockMethod.GEOFENCE and inside.distance_m == 200
    with pytest.raises(DomainError) as outside:
        services.clock(actor=tech, kind="out", lat="30.275906", lng=CENTRE[1])
    assert "location" in outside.value.fields
    assert 199 < selectors.distance_m(30.2741, 120.1551, 30.275896, 120.1551) <= 200
    with pytest.raises(DomainError) as bad:
        services.clock(actor=tech, kind="out", lat="91", lng="0")
    assert "lat" in bad.value.fields
    assert services.clock(actor=tech, kind="out", qr=site.qr_token).method == ClockMethod.QR
    with pytest.raises(DomainError) as wrong:
        services.clock(actor=tech, kind="out", qr="not-the-code")
    assert "qr" in wrong.value.fields
    assert ClockRecord.objects.count() == 2


def test_clock_api(world, site, api):
    _hire(world, "technician")
    client = api(world.users["technician"])
    ok = client.post(
        "/api/v1/attendance/clock/",
        {"kind": "in", "lat": CENTRE[0], "lng": CENTRE[1]},
        format="json",
    )
    assert ok.status_code == 201, ok.content
    far = client.post(
        "/api/v1/attendance/clock/", {"kind": "out", "lat": "30.3", "lng": "120.2"}, format="json"
    )
    assert far.status_code == 400 and "location" in far.json()["error"]["fields"]
    listed = client.get(f"/api/v1/attendance/?month={timezone.localdate():%Y-%m}")
    assert listed.status_code == 200 and listed.json()["count"] == 1
    assert client.get("/api/v1/attendance/?month=2026-13").status_code == 400
    # Someone with no employee record cannot clock.
    assert (
        api(world.users["guard"])
        .post("/api/v1/attendance/clock/", {"kind": "in", "qr": site.qr_token}, format="json")
        .status_code
        == 400
    )


def _shift(start, end):
    return SimpleNamespace(starts_at=start, ends_at=end)


def _clock(kind, at):
    return SimpleNamespace(kind=kind, at=at)


def test_late_absent_left_early_and_overtime_against_shifts_across_midnight(settings):
    settings.ANJU_PEOPLE_LATE_GRACE_MINUTES = 5
    settings.ANJU_PEOPLE_OVERTIME_MINUTES = 30
    settings.ANJU_PEOPLE_CLOCK_WINDOW_HOURS = 4
    d = date(2026, 3, 2)
    night = _shift(_aware(d, 22), _aware(d + timedelta(days=1), 6))
    night2 = _shift(_aware(d + timedelta(days=1), 22), _aware(d + timedelta(days=2), 6))
    day = _shift(_aware(d + timedelta(days=3), 8), _aware(d + timedelta(days=3), 17))
    day2 = _shift(_aware(d + timedelta(days=4), 8), _aware(d + timedelta(days=4), 17))
    clocks = [
        _clock("in", _aware(d, 22, 12)),  # 12 minutes late for the night shift
        _clock("out", _aware(d + timedelta(days=1), 6, 2)),  # next morning: on time
        # night2: nobody came -> absent
        _clock("in", _aware(d + timedelta(days=3), 7, 55)),
        _clock("out", _aware(d + timedelta(days=3), 16, 0)),  # left an hour early
        _clock("in", _aware(d + timedelta(days=4), 8, 4)),  # within the grace: on time
        _clock("out", _aware(d + timedelta(days=4), 18, 10)),  # 70 minutes of overtime
    ]
    results = selectors.compare(
        [night, night2, day, day2], clocks, now=_aware(d + timedelta(days=9), 0)
    )
    assert [r.marks for r in results] == [
        [DayMark.LATE],
        [DayMark.ABSENT],
        [DayMark.LEFT_EARLY],
        [DayMark.OVERTIME],
    ]
    assert results[0].late_minutes == 12 and results[0].clock_out.day == 3
    assert results[2].early_minutes == 60 and results[3].overtime_minutes == 70


def test_monthly_sheet_reads_the_roster(world, site):
    from anju.servicedesk import services as roster

    employee = _hire(world, "technician")
    tech = world.users["technician"]
    day = timezone.localdate() - timedelta(days=3)
    if day.month != timezone.localdate().month:
        day = timezone.localdate().replace(day=1)
    roster.add_duty_shift(
        actor=world.users["manager"],
        community=world.community,
        user=tech,
        role="technician",
        starts_at=_aware(day, 0, 0) - timedelta(hours=2),
        ends_at=_aware(day, 6),
    )
    services.clock(
        actor=tech, kind="in", qr=site.qr_token, at=_aware(day, 0) - timedelta(hours=1, minutes=40)
    )
    rows = selectors.monthly_sheet(world.users["manager"], world.community, f"{day:%Y-%m}")
    # The shift starts the evening before ``day``: it belongs to the month it starts in.
    row = next(r for r in rows if r["employee"].pk == employee.pk)
    started_in_month = (_aware(day, 0) - timedelta(hours=2)).month == day.month
    assert row["shifts"] == (1 if started_in_month else 0)
    if started_in_month:
        assert row["late"] == 1 and row["late_minutes"] == 20


def test_a_correction_is_approved_by_the_manager_and_audited(world, site):
    _hire(world, "technician")
    tech, manager = world.users["technician"], world.users["manager"]
    at = timezone.now() - timedelta(hours=5)
    correction = services.request_correction(actor=tech, kind="out", at=at, reason="手机没电")
    with pytest.raises(Forbidden):
        services.decide_correction(actor=world.users["agent"], correction=correction, approve=True)
    approved = services.decide_correction(actor=manager, correction=correction, approve=True)
    assert approved.record.method == ClockMethod.CORRECTION and approved.record.at == at
    with pytest.raises(InvalidTransition):
        services.decide_correction(actor=manager, correction=correction, approve=False)
    assert AuditEntry.objects.filter(action="people.correction.approved").exists()
    with pytest.raises(DomainError) as future:
        services.request_correction(
            actor=tech, kind="in", at=timezone.now() + timedelta(hours=1), reason="x"
        )
    assert "at" in future.value.fields


def test_turnover_on_a_hand_computed_example(world):
    """March 2026 in one community. On the payroll at the end of 28 February: A, B, C, D (4).
    E is hired on 10 March; B leaves on 15 March (after probation), D on 31 March (within
    probation, which ends 30 April). At the end of 31 March: A, C, E (3).
    Average headcount = (4 + 3) / 2 = 3.5; separations 2; turnover = 2 / 3.5 = 0.5714."""
    hire = lambda name, on, probation=None: _hire(  # noqa: E731
        world, name=name, position="guard", hire_date=on, probation_end=probation
    )
    a = hire("A", date(2025, 1, 1))
    b = hire("B", date(2025, 6, 1), date(2025, 9, 1))
    hire("C", date(2026, 2, 28))
    d = hire("D", date(2026, 2, 1), date(2026, 4, 30))
    hire("E", date(2026, 3, 10))
    services.separate(actor=world.users["manager"], employee=b, on=date(2026, 3, 15), reason="pay")
    services.separate(
        actor=world.users["manager"], employee=d, on=date(2026, 3, 31), reason="workload"
    )
    figures = selectors.retention(world.users["manager"], date(2026, 3, 1), date(2026, 3, 31))
    march = figures["months"][0]
    assert (march["opening"], march["closing"], march["hires"], march["separations"]) == (
        4,
        3,
        1,
        2,
    )
    assert march["average"] == Decimal("3.5") and march["turnover"] == Decimal("0.5714")
    assert march["within_probation"] == 1
    assert figures["reasons"] == {"pay": 1, "workload": 1}
    assert a.separated_on is None
    # The same through the API, and nothing of it for another company.
    from anju.core.testing import api_client

    answer = api_client(world.users["manager"]).get(
        f"/api/v1/retention/?community={world.community.pk}&from=2026-03-01&to=2026-03-31"
    )
    assert answer.status_code == 200 and answer.json()["turnover"] == "0.5714"
    other = api_client(world.users["outsider"]).get(
        "/api/v1/retention/?from=2026-03-01&to=2026-03-31"
    )
    assert other.json()["separations"] == 0
    assert api_client(world.users["technician"]).get("/api/v1/retention/").status_code == 403


def test_suggestion_adopted_tracked_to_done_with_a_reward(world):
    _hire(world, "technician")
    idea = services.submit_suggestion(
        actor=world.users["technician"], title="加装水位报警", body="水箱低水位短信提醒"
    )
    with pytest.raises(DomainError):
        services.answer_suggestion(
            actor=world.users["manager"], suggestion=idea, adopt=False, answer="暂不", reward="50"
        )
    adopted = services.answer_suggestion(
        actor=world.users["manager"], suggestion=idea, adopt=True, answer="采纳", reward="200"
    )
    assert adopted.reward == Decimal("200.00")
    done = services.complete_suggestion(actor=world.users["manager"], suggestion=idea)
    assert done.status == "done"
    counts = selectors.suggestion_counts(world.users["manager"])
    assert counts[0]["done"] == 1


def test_id_number_encrypted_and_quiz_pass_mark(world):
    from anju.core.idnumbers import check_digit

    number = "11010519900101123" + check_digit("11010519900101123")
    employee = _hire(world, name="张三", id_number=number)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM people_employee WHERE id = %s", [employee.pk])
        stored = cursor.fetchone()[0]
    assert number not in stored and employee.id_number == number
    with pytest.raises(DomainError):
        _hire(world, name="李四", id_number="12345")
    course = services.create_course(
        actor=world.users["manager"],
        organization=world.org,
        title="消防",
        topic="fire",
        pass_mark=75,
        quiz=[{"question": f"q{i}", "options": ["a", "b"], "answer": 0} for i in range(4)],
        yearly_for=["technician"],
    )
    session = services.hold_session(
        actor=world.users["manager"],
        community=world.community,
        course=course,
        held_on=timezone.localdate(),
    )
    tech = _hire(world, "technician")
    assert selectors.yearly_courses_due(tech) == [course]
    row = services.record_attendance(
        actor=world.users["manager"], session=session, employee=tech, answers=[0, 0, 0, 1]
    )
    assert row.score == 75 and row.passed
    assert selectors.yearly_courses_due(tech) == []


def test_quarterly_review_of_a_manager_revised_until_acknowledged(world):
    _hire(world, name="A", position="guard", hire_date=date(2025, 1, 1))
    admin, manager = world.users["org_admin"], world.users["manager"]
    today = timezone.localdate()
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    scores = {"leadership": 4, "service": 5, "safety": 4, "team": 3}
    with pytest.raises(Forbidden):  # a manager does not review managers
        services.record_review(
            actor=world.users["manager2"],
            community=world.community,
            manager=manager,
            quarter=quarter,
            **scores,
        )
    with pytest.raises(DomainError) as wrong:
        services.record_review(
            actor=admin,
            community=world.community,
            manager=world.users["agent"],
            quarter=quarter,
            **scores,
        )
    assert "manager" in wrong.value.fields
    review = services.record_review(
        actor=admin, community=world.community, manager=manager, quarter=quarter, **scores
    )
    assert review.score == 80
    assert any(m["label"] in ("员工流失率", "Staff turnover") for m in review.measures)
    revised = services.record_review(
        actor=admin,
        community=world.community,
        manager=manager,
        quarter=quarter,
        **(scores | {"team": 5}),
    )
    assert revised.pk == review.pk and revised.score == 90
    services.acknowledge_review(actor=manager, review=review)
    with pytest.raises(InvalidTransition):
        services.record_review(
            actor=admin, community=world.community, manager=manager, quarter=quarter, **scores
        )
    with pytest.raises(DomainError):
        services.record_review(
            actor=admin, community=world.community, manager=manager, quarter="2026-Q5", **scores
        )
