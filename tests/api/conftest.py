"""Fixtures of the API tests: tokens issued through the service, and a client that sends one."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.api.services import issue_token
from app.extensions import db


class ApiClient:
    """GETs with `Authorization: Bearer <token>`, returning the response."""

    def __init__(self, client: FlaskClient, token: str):
        self.client = client
        self.token = token

    def get(self, url: str, **kwargs: Any):  # type: ignore[no-untyped-def]
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return self.client.get(url, headers=headers, **kwargs)

    def json(self, url: str, status: int = 200) -> Any:
        response = self.get(url)
        assert response.status_code == status, (url, response.status_code, response.get_data(as_text=True)[:500])
        assert response.mimetype == "application/json"
        return response.get_json()


@pytest.fixture
def token_for(app: Flask):  # type: ignore[no-untyped-def]
    """token_for(user, name=..., expires_on=None) -> the plaintext of a new committed token."""

    def issue(user, *, name: str = "Test dashboard", expires_on: date | None = None) -> str:  # type: ignore[no-untyped-def]
        _token, plaintext = issue_token(user=user, name=name, expires_on=expires_on, actor=None, today=date.today())
        db.session.commit()
        return plaintext

    return issue


@pytest.fixture
def api_as(app: Flask, make_user, token_for):  # type: ignore[no-untyped-def]
    """api_as(role, departments=()) -> an ApiClient with a token of a new user of that role."""

    def make(role: str, departments=()) -> ApiClient:  # type: ignore[no-untyped-def]
        return ApiClient(app.test_client(), token_for(make_user(role, departments=departments)))

    return make


@pytest.fixture
def viewer_api(api_as) -> ApiClient:  # type: ignore[no-untyped-def]
    return api_as("viewer")
