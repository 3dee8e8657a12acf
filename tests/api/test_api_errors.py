"""Under /api/ every error is the API's JSON shape, even those raised before an API view runs
(an unknown path, a method the route does not take); pages keep their HTML error pages."""

from __future__ import annotations


def test_an_unknown_api_path_is_a_json_404(viewer_api):
    response = viewer_api.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["status"] == 404 and body["errors"] == {}
    assert body["message"].startswith("Page not found")


def test_a_method_the_api_does_not_take_is_a_json_405(app):
    response = app.test_client().post("/api/v1/trusts")
    assert response.status_code == 405
    assert response.mimetype == "application/json"
    assert response.get_json()["status"] == 405


def test_pages_keep_their_html_error_page(viewer_client):
    response = viewer_client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "Page not found" in response.text
