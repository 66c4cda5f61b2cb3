from django.urls import path

from . import views

console_urlpatterns = [
    path("finance/opening/", views.OpeningList.as_view(), name="finance-opening-list"),
    path("finance/opening/new/", views.OpeningUpload.as_view(), name="finance-opening-upload"),
    path("finance/opening/template/", views.opening_template, name="finance-opening-template"),
    path("finance/opening/<int:pk>/", views.OpeningDetail.as_view(), name="finance-opening-detail"),
    path("finance/deposits/", views.DepositList.as_view(), name="finance-deposit-list"),
    path("finance/vouchers/", views.VoucherPage.as_view(), name="finance-vouchers"),
    path("finance/chart/", views.ChartPage.as_view(), name="finance-chart"),
    path("finance/bank/", views.StatementList.as_view(), name="finance-statement-list"),
    path("finance/bank/new/", views.StatementUpload.as_view(), name="finance-statement-upload"),
    path(
        "finance/bank/<int:pk>/", views.StatementDetail.as_view(), name="finance-statement-detail"
    ),
]
