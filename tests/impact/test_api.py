"""``/api/v1/indicators/``: the indicators as JSON and CSV, scopes that do not leak, and bad
input answered 400."""

from __future__ import annotations

URL = "/api/v1/indicators/"
YEAR = {"from": "2025-01-01", "to": "2025-12-31"}


def test_a_commune_reads_its_indicators_as_json_and_csv(loop_2025, client_for, commune_user):
    client = client_for(commune_user)

    # when
    as_json = client.get(URL, {"scope": "cachan", **YEAR})
    as_csv = client.get(URL, {"scope": "cachan", **YEAR, "format": "csv"})

    # then
    assert as_json.status_code == 200
    assert as_json.json()["totals"]["delivered"] == 3
    assert as_json.json()["avoided"]["co2e_high_kg"] == "220.3"
    assert as_csv.status_code == 200
    assert as_csv["Content-Type"].startswith("text/csv")
    assert "delivered;monitor;;1" in as_csv.content.decode().splitlines()


def test_another_commune_and_an_unknown_scope_answer_the_same_404(
    loop_2025, client_for, commune_user
):
    client = client_for(commune_user)
    for scope in ("arcueil", "nowhere"):
        response = client.get(URL, {"scope": scope, **YEAR})
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
        assert "totals" not in response.json()


def test_the_territory_reads_any_scope(loop_2025, client_for, territory_user):
    response = client_for(territory_user).get(URL, {"scope": "arcueil", **YEAR})
    assert response.status_code == 200
    assert response.json()["totals"]["declared"] == 1


def test_bad_dates_answer_400(client_for, commune_user, commune):
    client = client_for(commune_user)
    reversed_period = client.get(URL, {"scope": "cachan", "from": "2025-12-31", "to": "2025-01-01"})
    not_a_date = client.get(URL, {"scope": "cachan", "from": "hier", "to": "2025-01-01"})
    too_long = client.get(URL, {"scope": "cachan", "from": "2000-01-01", "to": "2025-01-01"})
    for response in (reversed_period, not_a_date, too_long):
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid"
    assert "from" in not_a_date.json()["error"]["fields"]


def test_anonymous_is_refused(client, commune):
    response = client.get(URL, {"scope": "cachan", **YEAR})
    assert response.status_code in (401, 403)
