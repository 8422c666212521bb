from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def community_list(request: HttpRequest) -> HttpResponse:
    # PENDING-COMMUNITIES: replaced by the real directory.
    return render(request, "communities/community_list.html", {})
