"""Console pages of people; ``urls`` reads them from here."""

from .company import MyReviews, Requirements, ReviewCreate, ReviewList
from .desk import (
    CertificateList,
    ClockView,
    CorrectionQueue,
    MyLicences,
    RetentionView,
    SheetView,
    Suggestions,
)
from .employees import EmployeeCreate, EmployeeEdit, EmployeeList, EmployeePage
from .training import CourseCreate, CourseList, CoursePage, SessionPage

__all__ = [
    "CertificateList",
    "ClockView",
    "CorrectionQueue",
    "CourseCreate",
    "CourseList",
    "CoursePage",
    "EmployeeCreate",
    "EmployeeEdit",
    "EmployeeList",
    "EmployeePage",
    "MyLicences",
    "MyReviews",
    "Requirements",
    "RetentionView",
    "ReviewCreate",
    "ReviewList",
    "SessionPage",
    "SheetView",
    "Suggestions",
]
