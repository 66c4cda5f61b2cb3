"""Facilities and safety data (设施设备与安全), split by subdomain."""

from .assets import Asset, Certificate
from .inspection import (
    InspectionCheckin,
    InspectionPlan,
    InspectionPoint,
    InspectionRoute,
    InspectionTask,
)
from .maintenance import MaintenancePlan, MaintenanceTask
from .patrol import PatrolAlert, PatrolCheckpoint, PatrolRoute, PatrolScan, PatrolShift
from .safety import Drill, DrillAttendance, Hazard, Incident, IncidentRecord

__all__ = [
    "Asset",
    "Certificate",
    "Drill",
    "DrillAttendance",
    "Hazard",
    "Incident",
    "IncidentRecord",
    "InspectionCheckin",
    "InspectionPlan",
    "InspectionPoint",
    "InspectionRoute",
    "InspectionTask",
    "MaintenancePlan",
    "MaintenanceTask",
    "PatrolAlert",
    "PatrolCheckpoint",
    "PatrolRoute",
    "PatrolScan",
    "PatrolShift",
]
