"""What the API tests share: a client that signs in with a bearer token, and the error envelope."""

from __future__ import annotations

from projectunion.services import users


class Api:
    """A client that signs in with one user's bearer token."""

    def __init__(self, client, token: str | None, language: str | None = None):
        self.client, self.token, self.language = client, token, language

    def headers(self) -> dict[str, str]:
        headers = {}
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.language is not None:
            headers["Accept-Language"] = self.language
        return headers

    def get(self, path: str, **params):
        return self.client.get(f"/api/v1{path}", query_string=params, headers=self.headers())

    def post(self, path: str, json=None, **kw):
        return self.client.post(f"/api/v1{path}", json=json, headers=self.headers(), **kw)


def client_for(client, session, user, language: str | None = "en") -> Api:
    """An API client with a fresh token of ``user`` (English messages unless told otherwise)."""
    return Api(client, users.create_token(session, None, user, "test"), language)


def error(response) -> dict:
    """The ``error`` of an error answer, checked to be the envelope every error has."""
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert {"code", "message"} <= set(body["error"]), body
    return body["error"]
