"""A TLS server for tests/test_httpc.c: offers h2 and http/1.1 in ALPN,
as api.telegram.org does, and answers each HTTP/1.1 request with the
protocol TLS settled on, the request's number on its connection and
whether the connection resumed an earlier TLS session. The third answer
on a connection closes it. Prints its port, then serves until nobody
connects for 20 s.
Usage: tls_server.py CERT KEY"""
import json
import socket
import ssl
import sys


def serve(conn):
    buf, n = b"", 0
    while True:
        while b"\r\n\r\n" not in buf:
            data = conn.recv(65536)
            if not data:
                return
            buf += data
        head, buf = buf.split(b"\r\n\r\n", 1)
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(buf) < length:
            data = conn.recv(65536)
            if not data:
                return
            buf += data
        buf = buf[length:]
        n += 1
        body = json.dumps({"alpn": conn.selected_alpn_protocol(),
                           "n": n, "resumed": conn.session_reused}).encode()
        close = b"Connection: close\r\n" if n == 3 else b""
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json"
                     b"\r\n%sContent-Length: %d\r\n\r\n%s"
                     % (close, len(body), body))
        if n == 3:
            return


def main():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[1], sys.argv[2])
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    lis = socket.socket()
    lis.bind(("127.0.0.1", 0))
    lis.listen(8)
    lis.settimeout(20)
    print(lis.getsockname()[1], flush=True)
    while True:
        try:
            raw, _ = lis.accept()
        except socket.timeout:
            return
        raw.settimeout(20)
        try:
            with ctx.wrap_socket(raw, server_side=True) as conn:
                serve(conn)
        except (ssl.SSLError, OSError):
            pass    # the client refused our certificate, or left


if __name__ == "__main__":
    main()
