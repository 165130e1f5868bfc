"""An HTTP forwarder for tests that loses the answers to the first `lose`
requests: the service did the work, the client never heard. Gateways and
clients must then retry without doing the work twice.

Subclasses say how a request is forwarded (forward()) and what is kept of
it in `seen` (record()).
"""
import socket
import threading


class LossyProxy:
    def __init__(self, lose=1):
        self.lose = lose
        self.seen = []
        self.srv = socket.socket()
        self.srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(16)
        self.port = self.srv.getsockname()[1]
        self.stop_ev = threading.Event()
        self.t = threading.Thread(target=self.loop, daemon=True)
        self.t.start()

    def forward(self, path, headers, body):
        """Returns (status, content type, body) from the real service."""
        raise NotImplementedError

    def record(self, path, headers, body, status, data):
        self.seen.append((path, status))

    def loop(self):
        self.srv.settimeout(0.2)
        while not self.stop_ev.is_set():
            try:
                conn, _ = self.srv.accept()
            except OSError:
                continue
            threading.Thread(target=self.handle, args=(conn,),
                             daemon=True).start()

    @staticmethod
    def read_request(conn):
        """(path, lower-case headers, body) of one request, or None."""
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            buf += chunk
        head, _, body = buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        path = lines[0].split(" ")[1]
        hdrs = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            hdrs[k.strip().lower()] = v.strip()
        n = int(hdrs.get("content-length", "0"))
        while len(body) < n:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            body += chunk
        return path, hdrs, body

    def handle(self, conn):
        try:
            conn.settimeout(10)
            req = self.read_request(conn)
            if req is None:
                return
            path, hdrs, body = req
            status, ctype, data = self.forward(path, hdrs, body)
            self.record(path, hdrs, body, status, data)
            if len(self.seen) <= self.lose:
                return                       # the answer is lost
            conn.sendall(b"HTTP/1.1 %d X\r\nContent-Type: %s\r\n"
                         b"Content-Length: %d\r\nConnection: close\r\n\r\n"
                         % (status, ctype.encode(), len(data)) + data)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self):
        self.stop_ev.set()
        self.t.join(2)
        self.srv.close()
