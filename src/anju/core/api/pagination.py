from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """``page`` (a positive whole number or ``last``) and ``page_size`` (1..500): anything
    else is 400 naming the parameter; a page past the last one is 404."""

    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw in (None, ""):
            return self.page_size
        if not (raw.isdecimal() and raw.isascii() and int(raw) > 0):
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("Enter a whole number from 1 to %(max)s.") % {"max": self.max_page_size}
                    ]
                }
            )
        return min(int(raw[:10]), self.max_page_size)

    def check_page_number(self, request):
        """The ``page`` asked for, as sent ("1" when none), once it is known to be readable."""
        raw = request.query_params.get(self.page_query_param)
        if raw in (None, ""):
            return "1"
        if raw in self.last_page_strings:
            return raw
        digits = raw.removeprefix("+")  # as int() and Django's paginator read it
        if not (digits.isdecimal() and digits.isascii() and int(digits) > 0):
            raise ValidationError(
                {self.page_query_param: [_("Enter a page number: a whole number from 1.")]}
            )
        return raw

    def get_page_number(self, request, paginator):
        return self.check_page_number(request)
