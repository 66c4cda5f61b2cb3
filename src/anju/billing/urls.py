from django.urls import path

from . import views

console_urlpatterns = [
    path("billing/desk/", views.CashierDesk.as_view(), name="billing-desk"),
    path("billing/cash-up/", views.CashUpView.as_view(), name="billing-cashup"),
    path("billing/lines/<int:pk>/credit/", views.CreditLine.as_view(), name="billing-line-credit"),
    path(
        "billing/late-charges/<int:pk>/waive/",
        views.WaiveLateCharge.as_view(),
        name="billing-late-waive",
    ),
    path(
        "billing/prepayments/<int:pk>/refund/",
        views.RefundPrepayment.as_view(),
        name="billing-refund",
    ),
    path("billing/arrears/", views.ArrearsView.as_view(), name="billing-arrears"),
    path("billing/reports/", views.ReportsView.as_view(), name="billing-reports"),
    path("billing/fee-items/", views.FeeItemList.as_view(), name="billing-feeitem-list"),
    path("billing/runs/", views.BillingRunList.as_view(), name="billing-run-list"),
    path("billing/runs/new/", views.BillingRunCreate.as_view(), name="billing-run-create"),
    path("billing/runs/<int:pk>/", views.BillingRunDetail.as_view(), name="billing-run-detail"),
    path("billing/payments/", views.PaymentList.as_view(), name="billing-payment-list"),
    path("billing/payments/<int:pk>/receipt/", views.ReceiptView.as_view(), name="billing-receipt"),
    path("billing/collections/", views.CollectionList.as_view(), name="billing-collection-list"),
    path(
        "billing/collections/new/",
        views.CollectionCreate.as_view(),
        name="billing-collection-create",
    ),
    path(
        "billing/collections/<int:pk>/",
        views.CollectionDetail.as_view(),
        name="billing-collection-detail",
    ),
    path(
        "billing/collections/<int:pk>/case-packet/",
        views.CasePacketView.as_view(),
        name="billing-case-packet",
    ),
    path("billing/readings/", views.MeterReadingList.as_view(), name="billing-reading-list"),
    path("billing/readings/import/", views.ImportReadings.as_view(), name="billing-reading-import"),
]

portal_urlpatterns = [
    path("bills/", views.MyBills.as_view(), name="billing-bills"),
    path("bills/pay/", views.PortalPay.as_view(), name="billing-pay"),
    path("billing/pay/", views.PayPage.as_view(), name="billing-pay-page"),
    path("billing/pay/<int:pk>/", views.PayStatus.as_view(), name="billing-pay-status"),
    path(
        "billing/pay/<int:pk>/status/",
        views.PayStatusJson.as_view(),
        name="billing-pay-status-json",
    ),
    path("billing/pay/<int:pk>/cancel/", views.PayCancel.as_view(), name="billing-pay-cancel"),
    path("bills/pay/test/<int:pk>/", views.TestPay.as_view(), name="billing-test-pay"),
    path("bills/<int:pk>/pdf/", views.MyBillPdf.as_view(), name="billing-bill-pdf"),
    path("bills/receipts/<int:pk>/", views.MyReceipt.as_view(), name="billing-my-receipt"),
]
