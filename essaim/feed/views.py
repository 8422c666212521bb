from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    # PENDING-FEED
    return render(request, "feed/home.html", {})
