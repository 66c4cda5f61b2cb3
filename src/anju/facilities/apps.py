from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FacilitiesConfig(AppConfig):
    name = "anju.facilities"
    label = "facilities"
    verbose_name = _("Facilities and safety")
