from django.http import HttpResponse


def my_leave(request):
    return HttpResponse("")


def request_detail(request, pk):
    return HttpResponse("")


def overtime_page(request):
    return HttpResponse("")
