"""A browser-like HTTP client for the dashboard: cookies, the sign-in form, CSRF tokens."""

from __future__ import annotations

import re
from typing import Any

import httpx

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF_INPUT.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


class Board:
    def __init__(self, url: str) -> None:
        self.url = url
        self.http = httpx.Client(base_url=url, timeout=30, follow_redirects=False)
        self.csrf: str | None = None

    def __enter__(self) -> Board:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def sign_in(self, username: str, password: str, next_path: str = "/") -> httpx.Response:
        form = self.http.get("/signin", params={"next": next_path})
        response = self.http.post(
            "/signin",
            data={
                "username": username,
                "password": password,
                "next": next_path,
                "csrf_token": csrf_of(form.text),
            },
        )
        if response.status_code == 303 and not response.headers["location"].startswith("/signin"):
            page = self.http.get(response.headers["location"], follow_redirects=True)
            self.csrf = csrf_of(page.text)
        return response

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.get(path, **kwargs)

    def post(self, path: str, data: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        fields = {"csrf_token": self.csrf or "", **(data or {})}
        return self.http.post(path, data=fields, **kwargs)
