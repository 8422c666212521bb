from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def listing_list(request: HttpRequest) -> HttpResponse:
    # PENDING-AID: replaced by the real directory.
    return render(request, "aid/listing_list.html", {})
