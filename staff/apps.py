from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    """People and schools: the user account, schools, units (處室), staff members and their roles.

    Every other app asks this one who a person is, which school and unit they belong to,
    which category of staff they are (which decides their clock-in window and leave rules),
    and what they may see (staff/permissions.py).
    """

    name = "staff"
    verbose_name = _("人員與學校")

    def ready(self) -> None:
        from common.inputs import install, register_converters

        # Dates, years, months and ids are bounded in every form, serializer and URL (common/inputs.py).
        register_converters()
        install()
