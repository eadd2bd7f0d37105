"""The Voila lab: loopback by default with tracebacks; beyond loopback only with a token and without tracebacks."""

import urllib.request
from pathlib import Path

import pytest

from lumbarlib.book.lab import LabServer, free_port, is_loopback, serve, voila_command


def test_loopback_serves_tracebacks_and_needs_no_token():
    command = voila_command(Path("served"), 8866)
    assert "--Voila.ip=127.0.0.1" in command and "--show_tracebacks=True" in command
    assert not any(c.startswith("--Voila.token") for c in command)


def test_a_class_on_the_network_gets_a_token_and_no_tracebacks():
    command = voila_command(Path("served"), 8866, host="0.0.0.0", token="s3cret")
    assert "--Voila.ip=0.0.0.0" in command and "--show_tracebacks=False" in command
    assert "--Voila.token=s3cret" in command


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"host": "0.0.0.0"}, "'token': required when serving beyond loopback"),
        ({"host": "192.168.1.20", "token": ""}, "'token': required"),
        ({"host": "classroom"}, "'host' = 'classroom': must be an IP address"),
        ({"host": "127.0.0.1\n"}, "must be an IP address"),
    ],
)
def test_bad_host_or_missing_token_is_refused(kwargs, problem):
    with pytest.raises(ValueError, match=problem):
        voila_command(Path("served"), 8866, **kwargs)


@pytest.mark.parametrize("port", [0, 70000, "8866"])
def test_bad_port_is_named(port):
    with pytest.raises(ValueError, match="'port'"):
        voila_command(Path("served"), port)


def test_loopback_addresses_are_recognised():
    assert is_loopback("127.0.0.1") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.0.0.5")


def test_pages_carry_the_token():
    server = LabServer("http://host:8866/", ("reader_app.ipynb",), process=None, token="abc")
    assert server.page("reader_app.ipynb") == "http://host:8866/voila/render/reader_app.ipynb?token=abc"
    with pytest.raises(ValueError, match="not served"):
        server.page("other.ipynb")


def test_free_port_is_bindable():
    assert 0 < free_port() < 65536


def test_served_beyond_loopback_a_page_without_the_token_asks_for_it(tmp_path):
    with serve(host="0.0.0.0", folder=tmp_path / "lab", log=tmp_path / "voila.log", timeout_s=90) as lab:
        port = lab.url.rsplit(":", 1)[1].strip("/")
        page = f"http://127.0.0.1:{port}/voila/render/reader_app.ipynb"
        with urllib.request.urlopen(page, timeout=90) as refused:
            assert "/login" in refused.geturl()
        with urllib.request.urlopen(f"{page}?token={lab.token}", timeout=90) as allowed:
            assert "/login" not in allowed.geturl() and allowed.status == 200
