"""A client of asystentd's admin API (doc/admin-api.md) over its Unix socket,
for integration tests: raw calls, and calls that assert the status."""
import http.client
import json
import socket


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=10):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.unix_path)
        self.sock = s


class Api:
    def __init__(self, daemon):
        self.d = daemon

    def raw(self, method, path, body=None, ctype="application/json"):
        c = UnixHTTPConnection(self.d.sock)
        try:
            c.request(method, path, body, {"Content-Type": ctype})
            r = c.getresponse()
            data = r.read()
            assert r.getheader("Content-Type") == "application/json", \
                (r.status, r.getheader("Content-Type"), data[:200])
            return r.status, json.loads(data)
        finally:
            c.close()

    def call(self, method, path, body=None):
        return self.raw(method, path,
                        None if body is None else json.dumps(body))

    def ok(self, method, path, body=None, status=None):
        st, data = self.call(method, path, body)
        want = status or (201 if method == "POST" and
                          not path.endswith(("/disable", "/assign",
                                             "/enrol", "/leave",
                                             "/retry", "/import"))
                          else 200)
        assert st == want, (method, path, st, data)
        return data

    def err(self, method, path, body, status, code, raw=False):
        if raw:
            st, data = self.raw(method, path, body)
        else:
            st, data = self.call(method, path, body)
        assert st == status, (method, path, st, data)
        assert data["error"]["code"] == code, data
        assert "\n" not in data["error"]["message"], data
        return data
