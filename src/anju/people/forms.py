"""Console forms of people: hiring and the person's record, licences, separation and the exit
interview, care talks, courses with their quiz, sessions and attendance, the licences work
needs and the quarterly review of a community manager. Each hands its data to a service; the
service's refusals land on the field they name (``core.console.add_domain_errors``)."""

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anju.core.console import ScopedForm
from anju.core.models import Community, Organization
from anju.core.scoping import staff_in_scope
from anju.facilities.choices import AssetCategory, InspectionKind
from anju.servicedesk.choices import Category as TicketCategory

from .choices import (
    CertificateKind,
    CourseTopic,
    Employment,
    Position,
    SeparationReason,
    WorkKind,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SCORES = [(n, str(n)) for n in range(5, 0, -1)]


def _person(user):
    return user.get_full_name() or user.username


def _date(label, required=True, **kwargs):
    return forms.DateField(label=label, required=required, widget=DATE, **kwargs)


def _text(label, rows=3, required=True, **kwargs):
    return forms.CharField(
        label=label, required=required, widget=forms.Textarea(attrs={"rows": rows}), **kwargs
    )


class EmployeeFields(ScopedForm):
    """The fields of a person's record shared by hiring and editing."""

    user = forms.ModelChoiceField(
        None,
        label=pgettext_lazy("employee", "login"),
        required=False,
        help_text=_("The person's login to Anju, if they have one; a record needs none."),
    )
    name = forms.CharField(label=pgettext_lazy("person", "name"), max_length=60)
    phone = forms.CharField(label=_("phone"), max_length=20, required=False)
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=20,
        required=False,
        help_text=_("Kept encrypted; shown in full only to those who may see ID numbers."),
    )
    position = forms.ChoiceField(label=_("position"), choices=Position.choices)
    employment = forms.ChoiceField(
        label=_("employment"),
        choices=Employment.choices,
        initial=Employment.OWN,
        widget=forms.RadioSelect,
    )
    contractor = forms.CharField(
        label=pgettext_lazy("employment", "contractor"),
        max_length=100,
        required=False,
        help_text=_("The company an outsourced person works for, e.g. 安邦保安服务有限公司."),
    )
    hire_date = _date(_("hire date"))
    probation_end = _date(_("end of probation"), required=False)
    emergency_contact = forms.CharField(label=_("emergency contact"), max_length=60, required=False)
    emergency_phone = forms.CharField(label=_("emergency phone"), max_length=20, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["user"].queryset = staff_in_scope(user, "people.employee.manage").order_by(
            "first_name", "username"
        )
        self.fields["user"].label_from_instance = _person


class HireForm(EmployeeFields):
    scoped_fields = {"community": (Community, "people.employee.manage")}
    community = forms.ModelChoiceField(Community.objects.none(), label=_("community"))
    field_order = ["community", "name", "user", "position", "employment", "contractor"]

    def __init__(self, *args, user=None, community_id=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        logins = self.fields["user"].queryset
        self.fields["user"].queryset = logins.filter(employee__isnull=True)  # not yet on record
        communities = self.fields["community"].queryset.order_by("name")
        self.fields["community"].queryset = communities
        if not self.is_bound:
            chosen = communities.filter(pk=community_id).first() if community_id else None
            if chosen is None and len(communities) == 1:
                chosen = communities[0]
            self.initial.setdefault("community", chosen)


class EmployeeForm(EmployeeFields):
    """Editing a record: an empty ID number keeps the one on record."""

    field_order = ["name", "user", "position", "employment", "contractor"]

    def __init__(self, *args, employee=None, **kwargs):
        super().__init__(*args, **kwargs)
        if employee is not None:  # their own login, or one not yet on anyone's record
            logins = self.fields["user"].queryset
            self.fields["user"].queryset = logins.filter(
                Q(employee__isnull=True) | Q(employee=employee)
            )
        if employee is not None and employee.id_number:
            self.fields["id_number"].help_text = _(
                "A number is on record (kept encrypted); leave empty to keep it."
            )

    def changes(self):
        data = dict(self.cleaned_data)
        if not data.get("id_number"):
            data.pop("id_number", None)
        return data


class ScanField(forms.FileField):
    widget = forms.ClearableFileInput(attrs={"accept": "image/*,application/pdf"})

    def clean(self, data, initial=None):
        data = super().clean(data, initial)
        return [data] if data else []


class CertificateForm(forms.Form):
    kind = forms.ChoiceField(label=_("licence"), choices=CertificateKind.choices)
    number = forms.CharField(label=_("certificate number"), max_length=60)
    issuer = forms.CharField(label=_("issued by"), max_length=100, required=False)
    issued_on = _date(_("issued on"))
    expires_on = _date(
        _("expires on"), required=False, help_text=_("Empty for a licence without an end date.")
    )
    scan = ScanField(
        label=_("scan"), required=False, help_text=_("A photo or a PDF of the certificate.")
    )


class SeparationForm(forms.Form):
    separated_on = _date(_("left on"))
    separation_reason = forms.ChoiceField(
        label=_("reason for leaving"), choices=[("", "—"), *SeparationReason.choices]
    )
    note = _text(_("note on leaving"), rows=2, required=False)


class ExitInterviewForm(forms.Form):
    reasons = forms.MultipleChoiceField(
        label=_("reasons"),
        choices=SeparationReason.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Every reason the person gave."),
    )
    note = _text(_("what was said"), rows=3, required=False)
    would_return = forms.BooleanField(label=_("would come back"), required=False)
    held_on = _date(_("held on"), required=False)


class CareTalkForm(forms.Form):
    held_on = _date(_("held on"), required=False, help_text=_("Empty for today."))
    notes = _text(_("what was said"), rows=3)
    follow_up = forms.CharField(
        label=pgettext_lazy("care talk", "follow-up"),
        max_length=500,
        required=False,
        help_text=_("What you promised to do, e.g. fewer night shifts."),
    )
    follow_up_due = _date(_("follow up by"), required=False)


class QuizField(forms.CharField):
    """The quiz typed one question a line: the question, then its options, separated by "|";
    the right option starts with "*" (``问题？| *对的选项 | 错的选项``)."""

    widget = forms.Textarea(attrs={"rows": 5})

    def to_python(self, value):
        text = super().to_python(value)
        quiz = []
        for n, line in enumerate((t for t in text.splitlines() if t.strip()), start=1):
            question, *options = (part.strip() for part in line.split("|"))
            right = [i for i, option in enumerate(options) if option.startswith("*")]
            if not question or len([o for o in options if o.strip("* ")]) < 2:
                raise forms.ValidationError(
                    _("Question %(n)s needs its text and at least two options.") % {"n": n}
                )
            if len(right) != 1:
                raise forms.ValidationError(
                    _("Mark the one right option of question %(n)s with *.") % {"n": n}
                )
            quiz.append(
                {
                    "question": question,
                    "options": [o.lstrip("*").strip() for o in options],
                    "answer": right[0],
                }
            )
        return quiz


class CourseForm(ScopedForm):
    scoped_fields = {"organization": (Organization, "people.training.manage")}
    organization = forms.ModelChoiceField(Organization.objects.none(), label=_("company"))
    title = forms.CharField(label=_("title"), max_length=100)
    topic = forms.ChoiceField(label=_("topic"), choices=CourseTopic.choices)
    pass_mark = forms.IntegerField(
        label=_("pass mark (of 100)"),
        min_value=1,
        max_value=100,
        required=False,
    )
    yearly_for = forms.MultipleChoiceField(
        label=_("required every year for"),
        choices=Position.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    quiz = QuizField(
        label=_("quiz"),
        required=False,
        help_text=_(
            "One question a line: the question, then the options, separated by |; "
            "put * before the right option. E.g. 发现火情首先应当？| *立即报警并疏散 | 先拍照"
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pass_mark"].help_text = _("Empty: %(mark)s.") % {
            "mark": settings.ANJU_PEOPLE_PASS_MARK
        }
        organizations = self.fields["organization"].queryset
        if len(organizations) == 1:  # one company: nothing to choose
            self.fields["organization"].initial = organizations[0]
            self.fields["organization"].widget = forms.HiddenInput()


class SessionForm(forms.Form):
    community = forms.ModelChoiceField(Community.objects.none(), label=_("community"))
    held_on = _date(_("held on"))
    trainer = forms.CharField(label=_("trainer"), max_length=60, required=False)

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities


class AttendanceForm(forms.Form):
    """签到 and the quiz: who attended, with their answers (one choice per question) or, for a
    paper quiz or a course without one, the score."""

    employee = forms.ModelChoiceField(None, label=_("employee"))
    score = forms.IntegerField(
        label=_("quiz score"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=_("Of 100, when the quiz was on paper; or tick the answers above."),
    )

    def __init__(self, *args, session=None, employees=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employee"].queryset = employees
        self.quiz = list(session.course.quiz or []) if session is not None else []
        for n, item in enumerate(self.quiz):
            self.fields[f"q{n}"] = forms.TypedChoiceField(
                label=f"{n + 1}. {item['question']}",
                choices=list(enumerate(item["options"])),
                coerce=int,
                required=False,
                empty_value=None,
                widget=forms.RadioSelect,
            )
        if not self.quiz:
            self.fields["score"].help_text = _("Of 100; empty when the course has no quiz.")

    def answer_fields(self):
        return [self[f"q{n}"] for n in range(len(self.quiz))]

    def clean(self):
        data = super().clean()
        answers = [data.get(f"q{n}") for n in range(len(self.quiz))]
        given = [a for a in answers if a is not None]
        if given and len(given) < len(answers):
            first = next(n for n, a in enumerate(answers) if a is None)
            self.add_error(f"q{first}", _("Answer every question of the quiz."))
        data["answers"] = answers if given else None
        return data

    def service_data(self):
        data = self.cleaned_data
        return {
            "employee": data["employee"],
            "answers": data["answers"],
            "score": None if data["answers"] is not None else data.get("score"),
        }


def work_keys():
    """What each kind of work is sorted by (a ticket's category, a plan's asset category, a
    route's kind), as grouped choices."""
    return {
        WorkKind.TICKET: TicketCategory.choices,
        WorkKind.MAINTENANCE: AssetCategory.choices,
        WorkKind.INSPECTION: InspectionKind.choices,
    }


def key_label(work, key):
    return dict(work_keys().get(work, ())).get(key, key)


class RequirementForm(forms.Form):
    work = forms.ChoiceField(label=_("work"), choices=WorkKind.choices)
    key = forms.ChoiceField(
        label=_("category"),
        help_text=_("The ticket category, the asset category of a plan or the inspection kind."),
    )
    kind = forms.ChoiceField(label=_("licence"), choices=CertificateKind.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"].choices = [
            (WorkKind(work).label, [(f"{work}:{k}", label) for k, label in keys])
            for work, keys in work_keys().items()
        ]

    def clean(self):
        data = super().clean()
        work, key = data.get("work"), data.get("key") or ""
        prefix = f"{work}:"
        if work and key:
            if not key.startswith(prefix):
                self.add_error("key", _("Choose a category of this kind of work."))
            else:
                data["key"] = key[len(prefix) :]
        return data


class ReviewForm(forms.Form):
    community = forms.ModelChoiceField(Community.objects.none(), label=_("community"))
    manager = forms.ModelChoiceField(None, label=_("community manager"))
    quarter = forms.CharField(label=_("quarter"), max_length=7, help_text="YYYY-Q1 … YYYY-Q4")
    leadership = forms.TypedChoiceField(
        label=_("leadership"), choices=SCORES, coerce=int, widget=forms.RadioSelect
    )
    service = forms.TypedChoiceField(
        label=_("service to residents"), choices=SCORES, coerce=int, widget=forms.RadioSelect
    )
    safety = forms.TypedChoiceField(
        label=_("safety"), choices=SCORES, coerce=int, widget=forms.RadioSelect
    )
    team = forms.TypedChoiceField(
        label=_("team care"), choices=SCORES, coerce=int, widget=forms.RadioSelect
    )
    comment = _text(_("comment"), rows=4, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = Community.objects.visible_to(
            user, "people.review.manage"
        ).order_by("name")
        self.fields["manager"].queryset = staff_in_scope(
            user, "people.review.manage", roles=["manager"]
        ).order_by("first_name", "username")
        self.fields["manager"].label_from_instance = _person

    def clean_quarter(self):
        return self.cleaned_data["quarter"].strip().upper()
