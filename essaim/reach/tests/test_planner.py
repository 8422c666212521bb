"""The planner as hosts and operators use it: the page, the background run, the commands."""

import gzip
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from essaim.accounts.models import UserFollow
from essaim.accounts.tests.factories import UserFactory
from essaim.campaigns.models import CampaignFollow
from essaim.campaigns.tests.factories import CampaignFactory
from essaim.reach import importer, planning
from essaim.reach.graph import Graph
from essaim.reach.models import ReachGraph, ReachPlan
from essaim.relay.services import link_for, supporter_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign():
    """A campaign whose host is followed by a small audience, a creator with a big one."""
    campaign = CampaignFactory.create()
    people = UserFactory.create_batch(40)
    creator, relay = people[0], people[1]
    for fan in people[2:30]:
        UserFollow.objects.create(follower=fan, followed=creator)
    for fan in people[25:35]:
        UserFollow.objects.create(follower=fan, followed=relay)
    for person in people[:20]:
        CampaignFollow.objects.create(campaign=campaign, user=person)
    supporter_record(campaign=campaign, user=relay, action="sign")
    supporter_record(
        campaign=campaign,
        user=people[30],
        action="sign",
        link=link_for(user=relay, campaign=campaign),
    )
    return campaign, creator, relay


def ask(client, campaign, django_capture_on_commit_callbacks, **data):
    form = {"mode": "optimise", "k": 3, "scope": "followers", "model": "ic", "epsilon": 0.3}
    form.update(data)
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("reach:planner", args=[campaign.slug]), form)


def test_a_host_asks_for_the_best_relays_among_the_followers(
    client, campaign, django_capture_on_commit_callbacks
):
    campaign, creator, relay = campaign
    client.force_login(campaign.created_by)
    response = ask(client, campaign, django_capture_on_commit_callbacks, exclude_relayed="on")
    plan = ReachPlan.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{plan.pk}/")
    assert plan.status == ReachPlan.Status.DONE and plan.progress == 100
    chosen = [person["id"] for person in plan.result["relays"]]
    followers = set(CampaignFollow.objects.values_list("user_id", flat=True))
    assert len(chosen) == 3 and set(chosen) <= followers and relay.pk not in chosen
    assert chosen[0] == creator.pk  # the big audience comes first
    assert plan.result["low"] <= plan.result["reach"] <= plan.result["high"]
    assert len(plan.result["curve"]) == 3 and plan.result["scheme"] == "calibrated"
    html = client.get(response["Location"]).content.decode()
    assert 'data-testid="plan-result"' in html and creator.display_name in html
    # Running the task again changes nothing.
    planning.run(plan.pk)
    assert ReachPlan.objects.get().result == plan.result


@pytest.mark.parametrize(
    ("language", "scheme", "words"),
    [
        ("fr", "calibrated", "calibrées sur les liens de partage de la campagne"),
        ("en", "calibrated", "calibrated on the campaign's share links"),
        ("fr", "weighted_cascade", "un sur le nombre de comptes que chaque personne suit"),
    ],
)
def test_the_plan_names_its_probabilities_in_the_readers_language(client, language, scheme, words):
    campaign = CampaignFactory.create()
    campaign.created_by.language = language
    campaign.created_by.save(update_fields=["language"])
    result = {"relays": [], "reach": 1, "low": 1, "high": 1, "runs": 10, "curve": [1.0]}
    result |= {"scheme": scheme, "graph": {"nodes": 2, "edges": 1}}
    plan = ReachPlan.objects.create(
        campaign=campaign, status=ReachPlan.Status.DONE, progress=100, result=result
    )
    client.force_login(campaign.created_by)
    html = client.get(reverse("reach:plan", args=[campaign.slug, plan.pk])).content.decode()
    assert f"{words}." in html.replace("&#x27;", "'")
    assert f": {scheme}." not in html


def test_among_my_own_followers(client, campaign, django_capture_on_commit_callbacks):
    campaign, _creator, _relay = campaign
    host = campaign.created_by
    mine = UserFactory.create_batch(4)
    for fan in mine:
        UserFollow.objects.create(follower=fan, followed=host)
    client.force_login(host)
    ask(client, campaign, django_capture_on_commit_callbacks, scope="mine", k=10)
    plan = ReachPlan.objects.get()
    assert {person["id"] for person in plan.result["relays"]} == {fan.pk for fan in mine}


def test_estimating_named_relays_and_bad_questions(
    client, campaign, django_capture_on_commit_callbacks
):
    campaign, creator, relay = campaign
    client.force_login(campaign.created_by)
    ask(
        client,
        campaign,
        django_capture_on_commit_callbacks,
        mode="estimate",
        handles=f"@{creator.handle}, {relay.handle}",
    )
    plan = ReachPlan.objects.get()
    assert plan.status == "done" and len(plan.result["relays"]) == 2
    assert plan.result["reach"] >= 2
    for bad in (
        {"k": 0},
        {"epsilon": 2},
        {"mode": "estimate", "handles": "nobody-here"},
        {"model": "sir"},
    ):
        assert ask(client, campaign, django_capture_on_commit_callbacks, **bad).status_code == 400
    assert ReachPlan.objects.count() == 1


def test_the_planner_is_for_hosts_only(client, campaign, django_capture_on_commit_callbacks):
    campaign, creator, _relay = campaign
    client.force_login(campaign.created_by)
    ask(client, campaign, django_capture_on_commit_callbacks)
    plan = ReachPlan.objects.get()
    urls = [
        reverse("reach:planner", args=[campaign.slug]),
        reverse("reach:plan", args=[campaign.slug, plan.pk]),
    ]
    client.logout()
    assert all("login" in client.get(url)["Location"] for url in urls)
    client.force_login(creator)
    assert all(client.get(url).status_code == 404 for url in urls)
    assert client.post(urls[0], {"mode": "optimise", "k": 2}).status_code == 404
    assert ReachPlan.objects.count() == 1


def test_import_snap_csv_and_gzip_with_clear_errors_and_nothing_half_imported(tmp_path, settings):
    settings.REACH_DIR = tmp_path / "graphs"
    snap = tmp_path / "wiki-Vote.txt"
    snap.write_text("# FromNodeId\tToNodeId\n30\t1412\n30\t3352\n3\t28\n3\t30\n")
    call_command("reach_import", str(snap), name="wiki", stdout=StringIO())
    row = ReachGraph.objects.get(name="wiki")
    assert (row.nodes, row.edges) == (5, 4) and Path(row.path).exists()
    packed = tmp_path / "edges.csv.gz"
    with gzip.open(packed, "wt") as packing:
        packing.write("source,target\n1,2\n2,3\n3,1\n")
    call_command("reach_import", str(packed), name="csv", stdout=StringIO())
    assert ReachGraph.objects.get(name="csv").edges == 3
    for text, expected in (
        ("1 2\n2 three\n", "line 2: expected whole numbers"),
        ("1 2\n7\n", "line 2: expected two node ids"),
        ("1 2\n-4 5\n", "line 2: node ids must be"),
        ("", "holds no edge"),
    ):
        bad = tmp_path / "bad.txt"
        bad.write_text(text)
        with pytest.raises(CommandError, match=expected):
            call_command("reach_import", str(bad), name="bad", stdout=StringIO())
    assert not ReachGraph.objects.filter(name="bad").exists()
    assert not list((tmp_path / "graphs").glob("bad*"))
    with pytest.raises(CommandError, match="exists"):
        call_command("reach_import", str(snap), name="wiki", stdout=StringIO())
    out = StringIO()
    call_command("reach_plan", graph="wiki", k=1, probabilities="constant", p=0.5, stdout=out)
    assert "expected reach" in out.getvalue() and "  1. 3 " in out.getvalue()
    with pytest.raises(CommandError, match="Unknown node"):
        call_command("reach_plan", graph="wiki", relays="999", stdout=StringIO())


def test_import_reads_in_blocks_and_a_bad_line_far_in_names_itself(tmp_path, settings, monkeypatch):
    settings.REACH_DIR = tmp_path / "graphs"
    # Blocks of 64 bytes: lines cut across blocks, a comment and a header in between.
    monkeypatch.setattr(importer, "BLOCK", 64)
    lines = ["from;to", *(f"{i}\t{i + 1}" for i in range(1, 300)), "# the end", "300,1"]
    good = tmp_path / "ring.txt"
    good.write_text("\n".join(lines))
    call_command("reach_import", str(good), name="ring", stdout=StringIO())
    row = ReachGraph.objects.get(name="ring")
    assert (row.nodes, row.edges) == (300, 300)
    graph = Graph.load(Path(row.path))
    assert graph.indices.dtype == np.int32 and isinstance(graph.rindices, np.memmap)
    edges = zip(graph.ids[graph.sources()], graph.ids[graph.indices], strict=True)
    assert sorted((int(a), int(b)) for a, b in edges)[:2] == [(1, 2), (2, 3)]
    lines[250] = "250 x251"
    bad = tmp_path / "bad.txt.gz"
    with gzip.open(bad, "wt") as packing:
        packing.write("\n".join(lines))
    with pytest.raises(CommandError, match=r"line 251: expected whole numbers.*'250 x251'"):
        call_command("reach_import", str(bad), name="bad", stdout=StringIO())
    assert not ReachGraph.objects.filter(name="bad").exists()
    assert not list((tmp_path / "graphs").glob("bad*"))
    bad.write_bytes(b"1 2\n3 \xff\n")
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("reach_import", str(bad), name="bad", stdout=StringIO())
    assert not ReachGraph.objects.filter(name="bad").exists()
