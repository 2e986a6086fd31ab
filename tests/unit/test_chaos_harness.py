"""The chaos harness's own logic, without running anything: the production load balancer's config
as the node-loss scenario runs it, the scenarios' bounds, the table they report in, and how the
audit, the write stream and the freshness probe classify what they see."""

from __future__ import annotations

import re

import pytest

from chaos.amqp_load_balancer import AMQP_PORT, DEPLOYED, HEALTH_PORT, localised
from chaos.chaos_command import amqp_url
from chaos.chaos_report import Row, table
from chaos.chaos_scenario import ChaosError, Outcome
from chaos.freshness_probe import StatusSample, modes, worst_lag
from chaos.index_audit import Audit, missing
from chaos.scenarios import scenarios
from chaos.write_stream import refusal

NODE_PORTS = [41001, 41002, 41003]


def _localised() -> tuple[str, dict[int, int]]:
    return localised(DEPLOYED.read_text(), NODE_PORTS)


def test_the_load_balancer_listens_on_loopback_only_on_ports_of_its_own() -> None:
    text, binds = _localised()
    assert set(binds) == {AMQP_PORT, HEALTH_PORT}, "the management frontend is dropped"
    listens = re.findall(r"^\s*bind\s+(\S+)", text, re.MULTILINE)
    assert sorted(listens) == sorted(f"127.0.0.1:{port}" for port in binds.values())


def test_the_amqp_servers_are_the_scratch_nodes_with_every_deployed_check_kept() -> None:
    text, _ = _localised()
    servers = re.findall(r"^\s*server\s+(\S+)\s+(\S+)", text, re.MULTILINE)
    assert servers == [(f"rabbitmq-{i}", f"127.0.0.1:{port}")
                       for i, port in enumerate(NODE_PORTS, 1)]
    deployed = re.search(r"^\s*default-server\s+(.*)$", DEPLOYED.read_text(), re.MULTILINE)
    kept = re.search(r"^\s*default-server\s+(.*)$", text, re.MULTILINE)
    assert deployed and kept
    dropped = {"resolvers", "docker", "init-addr", "last,libc,none"}
    assert kept[1].split() == [w for w in deployed[1].split() if w not in dropped]
    for line in ("option redispatch", "retries 3", "timeout client 3m", "timeout server 3m",
                 "monitor-uri /health"):
        assert line in text


def test_every_client_lands_on_the_first_node_so_killing_it_is_the_hardest_case() -> None:
    text, _ = _localised()
    assert re.findall(r"^\s*balance\s+(\S+)", text, re.MULTILINE) == ["first"]
    assert "resolvers" not in text and "rabbitmq-management" not in text


def test_a_server_the_scratch_cluster_lacks_is_an_error_not_a_silent_gap() -> None:
    with pytest.raises(ChaosError, match="rabbitmq-3"):
        localised(DEPLOYED.read_text(), NODE_PORTS[:2])


@pytest.mark.parametrize("name", list(scenarios()))
def test_every_scenario_is_bounded_well_under_two_minutes(name: str) -> None:
    assert 0 < scenarios()[name].deadline_s < 120


def test_the_table_shows_each_figure_and_fails_a_run_that_lost_or_never_converged() -> None:
    good = Outcome("a", 1200, 0, 0, 0, 0.5, ("killed a node",))
    lost = Outcome("b", 1200, 3, 0, 0, None)
    rows = [Row("a", good), Row("b", lost), Row("c", problem="no RabbitMQ", not_run=True)]
    text = table(rows)
    assert re.search(r"^a\s+1,200\s+0\s+0\s+0\s+0\.50 s\s+pass$", text, re.MULTILINE)
    assert re.search(r"^b\s+1,200\s+3\s+0\s+0\s+never\s+FAIL$", text, re.MULTILINE)
    assert "not run" in text and "- no RabbitMQ" in text and "- killed a node" in text
    assert [row.passed for row in rows] == [True, False, True]


def test_a_missing_version_is_parked_if_the_projector_parked_it_else_lost_if_sent_else_stale(
) -> None:
    # Versions 1-6 in the store; the document reflects 2; 3 and 4 were parked (4 behind 3),
    # 5 was sent but never arrived, 6 is still in the outbox.
    versions = {1: True, 2: True, 3: True, 4: True, 5: True, 6: False}
    assert missing(versions, seen=2, parked={3, 4}) == (1, 1, 2)
    assert missing(versions, seen=6, parked={3, 4}) == (0, 0, 0), "reflected: nothing missing"
    assert missing(versions, seen=2, parked=set()) == (3, 1, 0), "unparked: lost, not parked"


def test_parked_events_neither_fail_the_audit_nor_pass_the_scenario() -> None:
    assert Audit(events=10, lost=0, stale=0, duplicated=0, parked=3).matches
    assert not Outcome("p", 10, 0, 0, 0, 1.0, parked=3).passed
    assert not Outcome("f", 10, 0, 0, 0, 1.0, findings=("retry replays the old copy",)).passed
    text = table([Row("f", Outcome("f", 10, 0, 0, 0, 1.0, findings=("it broke",)))])
    assert re.search(r"^f\s.*\sFAIL$", text, re.MULTILINE) and "PRODUCT DEFECT: it broke" in text


@pytest.mark.parametrize(("body", "code"), [
    ({"data": None, "errors": [{"extensions": {"code": "WRITE_STORE_UNAVAILABLE"}}]},
     "WRITE_STORE_UNAVAILABLE"),
    ({"errors": [{"extensions": {"code": "WRITE_STORE_UNAVAILABLE"}},
                 {"extensions": {"code": "INTERNAL_SERVER_ERROR"}}]}, None),
    ({"errors": [{"message": "no code"}]}, None),
    ({"data": {"placeOrder": {}}}, None),
])
def test_only_a_refusal_whose_every_error_is_tolerated_counts_as_refused(
    body: dict[str, object], code: str | None
) -> None:
    assert refusal(body, ["WRITE_STORE_UNAVAILABLE"]) == code


def test_the_modes_seen_and_the_worst_lag_come_from_the_samples() -> None:
    samples = [StatusSample(t, lag, mode, 0) for t, lag, mode in [
        (1, 0.1, "BROKER"), (2, None, "ERROR"), (3, 3.5, "DIRECT"), (4, 0.8, "DIRECT"),
        (5, 1.2, "BROKER"), (6, 0.1, "BROKER")]]
    assert modes(samples) == ["BROKER", "DIRECT", "BROKER"]
    assert worst_lag(samples, 4, 5) == 1.2 and worst_lag(samples, 7, 8) is None


def test_the_shared_broker_must_be_amqp_and_is_optional() -> None:
    assert amqp_url({}) is None
    assert amqp_url({"DIPTYCH_CHAOS_AMQP_URL": "amqp://g:g@h:5672/"}) == "amqp://g:g@h:5672/"
    with pytest.raises(SystemExit, match="RabbitMQ"):
        amqp_url({"DIPTYCH_CHAOS_AMQP_URL": "postgresql://h/db"})
