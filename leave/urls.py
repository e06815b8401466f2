from django.urls import path

from leave import views

app_name = "leave"
urlpatterns = [
    path("", views.my_leave, name="mine"),
    path("new/", views.new_request, name="new"),
    path("preview/", views.preview, name="preview"),
    path("inbox/", views.inbox, name="inbox"),
    path("overview/", views.overview, name="overview"),
    path("overview/balances/", views.balances_overview, name="balances"),
    path("requests/<id:pk>/", views.request_detail, name="detail"),
    path("requests/<id:pk>/approve/", views.approve, name="approve"),
    path("requests/<id:pk>/reject/", views.reject, name="reject"),
    path("requests/<id:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("requests/<id:pk>/cancel/", views.cancel, name="cancel"),
    path("requests/<id:pk>/reassign/", views.reassign, name="reassign"),
    path("attachments/<id:pk>/", views.attachment, name="attachment"),
    path("overtime/", views.overtime_page, name="overtime"),
    path("overtime/<id:pk>/decide/", views.overtime_decision, name="overtime_decide"),
    path("overtime/<id:pk>/withdraw/", views.overtime_cancel, name="overtime_withdraw"),
    path("overtime/<id:pk>/settle/", views.overtime_settlement, name="overtime_settle"),
]
