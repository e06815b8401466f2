from django.urls import path

from substitutes import views

app_name = "substitutes"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("needs/assign/", views.assign_many, name="assign_many"),
    path("propose/", views.propose, name="propose"),
    path("propose/confirm/", views.propose_confirm, name="propose_confirm"),
    path("needs/<id:pk>/", views.need_detail, name="need"),
    path("needs/<id:pk>/assign/", views.need_assign, name="assign"),
    path("assignments/<id:pk>/cancel/", views.assignment_cancel, name="assignment_cancel"),
    path("absences/new/", views.absence_new, name="absence_new"),
    path("absences/<id:pk>/cancel/", views.absence_withdraw, name="absence_cancel"),
    path("mine/", views.mine, name="mine"),
    path("offers/answer/", views.offers_answer, name="offers_answer"),
    path("policy/", views.policy, name="policy"),
    path("board/", views.board, name="board"),
    path("fairness/", views.fairness, name="fairness"),
    path("fairness/export.xlsx", views.fairness_export, name="fairness_xlsx"),
    path("pay/", views.pay, name="pay"),
    path("pay/export.csv", views.pay_export, {"fmt": "csv"}, name="pay_csv"),
    path("pay/export.xlsx", views.pay_export, {"fmt": "xlsx"}, name="pay_xlsx"),
    path("pay/sheet.pdf", views.pay_export, {"fmt": "pdf"}, name="pay_pdf"),
]
