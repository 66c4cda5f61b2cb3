from django.urls import path

from . import views, views_invoices, views_portal

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
    path("finance/invoices/", views_invoices.InvoiceList.as_view(), name="finance-invoice-list"),
    path(
        "finance/invoices/<int:pk>/",
        views_invoices.InvoiceDetail.as_view(),
        name="finance-invoice-detail",
    ),
]

portal_urlpatterns = [
    path("finance/invoices/", views_portal.MyInvoices.as_view(), name="finance-invoices"),
    path(
        "finance/invoices/new/",
        views_portal.RequestInvoice.as_view(),
        name="finance-invoice-request",
    ),
    path(
        "finance/invoices/<str:number>/preview/",
        views_portal.InvoicePreview.as_view(),
        name="finance-invoice-preview",
    ),
]
