"""The demo page under ``/`` (``serve_static_resources``), served from the package."""

from __future__ import annotations

from importlib import resources

from divolte.http import responses
from divolte.http.request import Request

_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "application/javascript",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
}


class StaticPages:
    """Every file of ``divolte/static`` loaded once; ``/`` means ``/index.html``.

    The demo page loads the tag from ``tag_path`` (the first browser source's), so it keeps
    working with a configured prefix or script name; Divolte's page assumed ``/divolte.js``.
    """

    def __init__(self, tag_path: str = "/divolte.js") -> None:
        self._files: dict[str, tuple[str, bytes]] = {}
        for entry in resources.files("divolte").joinpath("static").iterdir():
            suffix = "." + entry.name.rsplit(".", 1)[-1]
            if entry.is_file() and suffix in _CONTENT_TYPES:
                body = entry.read_bytes()
                if entry.name == "index.html":
                    body = body.replace(b'src="divolte.js"', f'src="{tag_path}"'.encode())
                self._files["/" + entry.name] = (_CONTENT_TYPES[suffix], body)

    def __call__(self, request: Request) -> None:
        path = "/index.html" if request.path == "/" else request.path
        found = self._files.get(path)
        if found is None:
            request.send(responses.not_found(keep_alive=request.keep_alive))
            return
        if request.method not in ("GET", "HEAD"):
            request.send(
                responses.method_not_allowed(
                    request.method, "GET, HEAD", keep_alive=request.keep_alive
                )
            )
            return
        content_type, body = found
        request.send(
            responses.simple(
                200,
                body,
                [("Content-Type", content_type), ("Cache-Control", "no-cache")],
                keep_alive=request.keep_alive,
                send_body=request.method == "GET",
            )
        )
