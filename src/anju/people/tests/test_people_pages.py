"""The people console's forms (issue 23): each form hands its data to the service; a refusal
shows the page again with what was typed and the message on the field it names; another
company's employee, course or session answers 404 as if missing."""

import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from anju.core import attachments
from anju.people import selectors, services
from anju.people.choices import CertificateKind, WorkKind
from anju.people.models import (
    CareTalk,
    Certificate,
    Course,
    Employee,
    ExitInterview,
    LicenceRequirement,
    ManagerReview,
    SessionAttendance,
    TrainingSession,
)

pytestmark = pytest.mark.django_db

QUIZ = [{"question": f"第{i}题", "options": ["对", "错"], "answer": 0} for i in range(4)]


def _hire(world, name="王德明", **extra):
    fields = {"position": "technician", "hire_date": date(2024, 1, 1)} | extra
    return services.hire(
        actor=world.users["manager"], community=world.community, name=name, **fields
    )


def _errors(response, field):
    form = response.context.get("form")
    assert form is not None, "the page shows no form"
    assert field in form.errors, dict(form.errors)
    return form


def _step_form(response, step):
    form = response.context["step_forms"][step]
    assert response.context["open_step"] == step
    return form


def _png():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "PNG")
    return SimpleUploadedFile("licence.png", buffer.getvalue(), content_type="image/png")


# --- employees ---------------------------------------------------------------------------


def test_hire_form_makes_the_record_and_a_refusal_keeps_what_was_typed(world, client):
    client.force_login(world.users["manager"])
    page = client.get("/console/people/employees/")
    assert page.status_code == 200 and "/console/people/employees/new/" in page.content.decode()
    assert client.get("/console/people/employees/new/").status_code == 200
    typed = {
        "community": world.community.pk,
        "name": "刘振华",
        "position": "guard",
        "employment": "outsourced",
        "contractor": "",
        "hire_date": "2026-03-01",
        "probation_end": "2026-05-31",
        "emergency_contact": "刘妻",
        "emergency_phone": "13900005555",
        "id_number": "",
    }
    refused = client.post("/console/people/employees/new/", typed)
    assert refused.status_code == 200
    form = _errors(refused, "contractor")
    assert form["name"].value() == "刘振华" and form["emergency_contact"].value() == "刘妻"
    assert "刘振华" in refused.content.decode()
    assert not Employee.objects.exists()
    bad_id = client.post(
        "/console/people/employees/new/", typed | {"contractor": "安邦保安", "id_number": "123"}
    )
    _errors(bad_id, "id_number")
    from anju.core.idnumbers import check_digit

    number = "11010519900101123" + check_digit("11010519900101123")
    done = client.post(
        "/console/people/employees/new/",
        typed | {"contractor": "安邦保安", "id_number": number, "user": world.users["guard"].pk},
    )
    employee = Employee.objects.get()
    assert (
        done.status_code == 302 and done["Location"] == f"/console/people/employees/{employee.pk}/"
    )
    assert employee.contractor == "安邦保安" and employee.user == world.users["guard"]
    assert employee.id_number == number and employee.emergency_phone == "13900005555"
    offered = client.get("/console/people/employees/new/").context["form"].fields["user"]
    assert world.users["guard"] not in offered.queryset  # already on record
    assert world.users["technician"] in offered.queryset
    # The agent may read the list but not hire.
    client.force_login(world.users["agent"])
    assert client.get("/console/people/employees/new/").status_code == 403


def test_edit_form_changes_the_record_and_keeps_the_id_number_when_left_empty(world, client):
    from anju.core.idnumbers import check_digit

    number = "11010519900101123" + check_digit("11010519900101123")
    employee = _hire(world, id_number=number)
    client.force_login(world.users["manager"])
    url = f"/console/people/employees/{employee.pk}/edit/"
    form = client.get(url).context["form"]
    assert form["name"].value() == "王德明" and not form["id_number"].value()
    typed = {
        "name": "王德明",
        "position": "technician",
        "employment": "own",
        "hire_date": "2024-01-01",
        "probation_end": "2023-12-01",
        "phone": "13700001111",
    }
    refused = client.post(url, typed)
    form = _errors(refused, "probation_end")
    assert form["phone"].value() == "13700001111"
    done = client.post(url, typed | {"probation_end": "2024-03-31"})
    assert done.status_code == 302
    employee.refresh_from_db()
    assert employee.phone == "13700001111" and employee.probation_end == date(2024, 3, 31)
    assert employee.id_number == number  # left empty: kept


def test_another_companys_employee_is_404(world, client):
    employee = _hire(world)
    client.force_login(world.users["outsider"])
    for url in (
        f"/console/people/employees/{employee.pk}/",
        f"/console/people/employees/{employee.pk}/edit/",
    ):
        assert client.get(url).status_code == 404
    assert (
        client.post(f"/console/people/employees/{employee.pk}/", {"step": "talk"}).status_code
        == 404
    )
    # A manager of the other community of the same company does not see them either.
    client.force_login(world.users["manager2"])
    assert client.get(f"/console/people/employees/{employee.pk}/").status_code == 404


def test_employee_page_onboarding_licence_with_scan_and_refusal(world, client):
    employee = _hire(world)
    client.force_login(world.users["manager"])
    url = f"/console/people/employees/{employee.pk}/"
    assert client.get(url).status_code == 200
    client.post(url, {"step": "onboarding", "item": "safety"})
    assert [t.item for t in employee.onboarding.all()] == ["safety"]
    today = timezone.localdate()
    typed = {
        "step": "certificate",
        "kind": CertificateKind.LIFT,
        "number": "TS3301-2024-1093",
        "issuer": "杭州市市场监督管理局",
        "issued_on": (today - timedelta(days=10)).isoformat(),
        "expires_on": (today - timedelta(days=20)).isoformat(),
    }
    refused = client.post(url, typed)
    form = _step_form(refused, "certificate")
    assert "expires_on" in form.errors and form["number"].value() == "TS3301-2024-1093"
    assert not Certificate.objects.exists()
    expires = (today + timedelta(days=700)).isoformat()
    done = client.post(url, typed | {"expires_on": expires, "scan": _png()})
    assert done.status_code == 302
    cert = Certificate.objects.get()
    assert cert.number == "TS3301-2024-1093" and len(attachments.of(cert)) == 1
    page = client.get(url).content.decode()
    assert "TS3301-2024-1093" in page and attachments.of(cert)[0].url in page


def test_separation_and_exit_interview_forms(world, client):
    employee = _hire(world, hire_date=date(2025, 6, 1))
    client.force_login(world.users["manager"])
    url = f"/console/people/employees/{employee.pk}/"
    assert "exit" not in client.get(url).context["step_forms"]  # not before leaving
    typed = {
        "step": "separate",
        "separated_on": "2025-01-01",
        "separation_reason": "pay",
        "note": "同行待遇高",
    }
    refused = client.post(url, typed)
    form = _step_form(refused, "separate")
    assert "separated_on" in form.errors and form["note"].value() == "同行待遇高"
    assert client.post(url, typed | {"separated_on": "2026-01-31"}).status_code == 302
    employee.refresh_from_db()
    assert employee.separated_on == date(2026, 1, 31) and employee.separation_reason == "pay"
    page = client.get(url).context
    assert "separate" not in page["step_forms"] and "exit" in page["step_forms"]
    assert page["step_forms"]["exit"]["reasons"].value() == ["pay"]
    refused = client.post(url, {"step": "exit", "note": "夜班补贴少"})
    form = _step_form(refused, "exit")
    assert "reasons" in form.errors and form["note"].value() == "夜班补贴少"
    done = client.post(
        url,
        {
            "step": "exit",
            "reasons": ["pay", "workload"],
            "note": "夜班补贴少",
            "would_return": "on",
        },
    )
    assert done.status_code == 302
    interview = ExitInterview.objects.get(employee=employee)
    assert interview.reasons == ["pay", "workload"] and interview.would_return


def test_care_talk_and_follow_up_done(world, client):
    employee = _hire(world)
    client.force_login(world.users["manager"])
    url = f"/console/people/employees/{employee.pk}/"
    due = (timezone.localdate() + timedelta(days=14)).isoformat()
    refused = client.post(
        url, {"step": "talk", "notes": "夜班多，想调整班次。", "follow_up_due": due}
    )
    form = _step_form(refused, "talk")
    assert "follow_up" in form.errors and form["notes"].value() == "夜班多，想调整班次。"
    assert not CareTalk.objects.exists()
    done = client.post(
        url,
        {
            "step": "talk",
            "notes": "夜班多，想调整班次。",
            "follow_up": "每周最多两个夜班",
            "follow_up_due": due,
        },
    )
    assert done.status_code == 302
    talk = CareTalk.objects.get()
    assert talk.follow_up_due.isoformat() == due and talk.followed_up_at is None
    client.post(url, {"step": "followed_up", "talk": talk.pk})
    talk.refresh_from_db()
    assert talk.followed_up_at is not None
    # The agent has no business with people's records: the page is missing for them.
    client.force_login(world.users["agent"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"step": "talk", "notes": "x"}).status_code == 404


# --- training ----------------------------------------------------------------------------


def test_course_form_with_quiz_and_a_refusal_naming_the_quiz(world, client):
    client.force_login(world.users["manager"])
    assert client.get("/console/people/courses/").status_code == 200
    assert client.get("/console/people/courses/new/").status_code == 200
    typed = {
        "organization": world.org.pk,
        "title": "消防安全",
        "topic": "fire",
        "pass_mark": "75",
        "yearly_for": ["guard", "technician"],
        "quiz": "发现火情首先应当？| 立即报警 | 先拍照",  # no right option marked
    }
    refused = client.post("/console/people/courses/new/", typed)
    form = _errors(refused, "quiz")
    assert form["title"].value() == "消防安全" and form["yearly_for"].value() == [
        "guard",
        "technician",
    ]
    quiz = "发现火情首先应当？| *立即报警 | 先拍照\n消防通道可以堆放杂物吗？| 可以 | *不可以"
    done = client.post("/console/people/courses/new/", typed | {"quiz": quiz})
    course = Course.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/console/people/courses/{course.pk}/"
    assert course.quiz[1] == {
        "question": "消防通道可以堆放杂物吗？",
        "options": ["可以", "不可以"],
        "answer": 1,
    }
    assert course.yearly_for == ["guard", "technician"] and course.pass_mark == 75


@pytest.fixture
def course(world):
    return services.create_course(
        actor=world.users["manager"],
        organization=world.org,
        title="消防安全",
        topic="fire",
        pass_mark=75,
        quiz=QUIZ,
        yearly_for=["technician"],
    )


def test_hold_a_session_and_record_attendance_with_answers_or_a_score(world, client, course):
    tech, guard = _hire(world), _hire(world, name="刘振华", position="guard")
    client.force_login(world.users["manager"])
    url = f"/console/people/courses/{course.pk}/"
    refused = client.post(url, {"community": world.community.pk, "trainer": "周教官"})
    form = _errors(refused, "held_on")
    assert form["trainer"].value() == "周教官"
    done = client.post(
        url, {"community": world.community.pk, "held_on": "2026-11-20", "trainer": "周教官"}
    )
    session = TrainingSession.objects.get()
    assert done["Location"] == f"/console/people/sessions/{session.pk}/"
    page = f"/console/people/sessions/{session.pk}/"
    assert client.get(page).status_code == 200
    partial = client.post(page, {"employee": tech.pk, "q0": "0", "q1": "0"})
    form = _errors(partial, "q2")
    assert form["q0"].value() == "0"
    assert (
        client.post(
            page, {"employee": tech.pk, "q0": "0", "q1": "0", "q2": "0", "q3": "1"}
        ).status_code
        == 302
    )
    assert client.post(page, {"employee": guard.pk, "score": "60"}).status_code == 302
    rows = {a.employee_id: a for a in SessionAttendance.objects.all()}
    assert rows[tech.pk].score == 75 and rows[tech.pk].passed
    assert rows[guard.pk].score == 60 and not rows[guard.pk].passed
    text = client.get(page).content.decode()
    assert "刘振华" in text and "王德明" in text
    history = client.get(f"/console/people/employees/{tech.pk}/").content.decode()
    assert "消防安全" in history
    assert _errors(client.post(page, {"employee": guard.pk, "score": "120"}), "score")


def test_another_companys_course_and_session_are_404(world, client, course):
    session = services.hold_session(
        actor=world.users["manager"],
        community=world.community,
        course=course,
        held_on=date(2026, 11, 1),
    )
    client.force_login(world.users["outsider"])
    assert client.get(f"/console/people/courses/{course.pk}/").status_code == 404
    assert client.get(f"/console/people/sessions/{session.pk}/").status_code == 404
    assert client.post(f"/console/people/sessions/{session.pk}/", {"score": "1"}).status_code == 404


# --- licence requirements -----------------------------------------------------------------


def test_requirements_page_adopt_and_add_with_the_legal_basis(world, client):
    client.force_login(world.users["org_admin"])
    url = "/console/people/requirements/"
    page = client.get(url)
    assert page.status_code == 200 and "特种设备安全法" in page.content.decode()
    refused = client.post(
        url,
        {
            "step": "add",
            "work": WorkKind.INSPECTION,
            "key": "servicedesk.ticket:elevator",
            "kind": "lift",
        },
    )
    form = _errors(refused, "key")
    assert form["kind"].value() == "lift"
    done = client.post(
        url,
        {
            "step": "add",
            "work": WorkKind.TICKET,
            "key": "servicedesk.ticket:gas",
            "kind": "electrician",
        },
    )
    assert done.status_code == 302
    assert LicenceRequirement.objects.filter(work=WorkKind.TICKET, key="gas").exists()
    client.post(url, {"step": "adopt"})
    assert LicenceRequirement.objects.filter(organization=world.org).count() == 8
    text = client.get(url).content.decode()
    assert "《消防法》第21条" in text
    # A community manager reads them but does not set them.
    client.force_login(world.users["manager"])
    page = client.get(url)
    assert page.status_code == 200 and not page.context["can_set"]
    assert client.post(url, {"step": "adopt"}).status_code == 403
    client.force_login(world.users["outsider"])
    assert client.get(url).context["rows"] == []


# --- quarterly reviews --------------------------------------------------------------------


def test_review_form_records_and_the_manager_acknowledges(world, client):
    admin, manager = world.users["org_admin"], world.users["manager"]
    _hire(world, name="A", position="guard", hire_date=date(2025, 1, 1))
    client.force_login(admin)
    quarter = selectors.last_quarter()
    assert client.get("/console/people/reviews/").status_code == 200
    form_page = client.get(
        f"/console/people/reviews/new/?quarter={quarter}&community={world.community.pk}"
    )
    assert form_page.status_code == 200 and form_page.context["measures"]
    assert form_page.context["form"]["manager"].value() == manager.pk  # its one manager
    typed = {
        "community": world.community.pk,
        "manager": world.users["manager2"].pk,  # manages the other community
        "quarter": quarter,
        "leadership": "4",
        "service": "5",
        "safety": "4",
        "team": "3",
        "comment": "满意度稳步提升",
    }
    refused = client.post("/console/people/reviews/new/", typed)
    form = _errors(refused, "manager")
    assert form["comment"].value() == "满意度稳步提升" and form["team"].value() == "3"
    future = client.post(
        "/console/people/reviews/new/", typed | {"manager": manager.pk, "quarter": "2099-Q1"}
    )
    _errors(future, "quarter")
    preview = client.post(
        "/console/people/reviews/new/", typed | {"manager": manager.pk, "preview": "1"}
    )
    assert preview.context["measures"] and not preview.context["form"].errors
    assert preview.context["form"]["comment"].value() == "满意度稳步提升"
    assert not ManagerReview.objects.exists()
    done = client.post("/console/people/reviews/new/", typed | {"manager": manager.pk})
    assert done.status_code == 302
    review = ManagerReview.objects.get()
    assert review.score == 80 and review.measures
    listed = client.get(f"/console/people/reviews/?quarter={quarter}")
    assert [r.pk for r in listed.context["reviews"]] == [review.pk]
    # The manager: a card, their page, acknowledged; then it cannot be revised.
    client.force_login(manager)
    mine = client.get("/console/people/my-reviews/?status=recorded")
    assert [r.pk for r in mine.context["object_list"]] == [review.pk]
    assert client.post("/console/people/reviews/new/", typed).status_code == 403
    client.post("/console/people/my-reviews/", {"review": review.pk})
    review.refresh_from_db()
    assert review.status == "acknowledged"
    assert client.post("/console/people/my-reviews/", {"review": 999999}).status_code == 404
    client.force_login(admin)
    late = client.post("/console/people/reviews/new/", typed | {"manager": manager.pk})
    assert late.status_code == 200 and late.context["form"].non_field_errors()


def test_employee_list_queries_do_not_grow(world, client, django_assert_max_num_queries):
    for n in range(12):
        _hire(world, name=f"员工{n}")
    client.force_login(world.users["manager"])
    client.get("/console/people/employees/")
    with django_assert_max_num_queries(25):
        assert client.get("/console/people/employees/").status_code == 200
