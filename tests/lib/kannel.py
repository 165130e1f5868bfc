"""A real Kannel (bearerbox + smsbox) for integration tests, with the SMS
centre played by Python.

    av = Kannel.available()
    if not av:
        print("SKIP: Kannel is not installed (%s)" % av.reason)
    k = Kannel()
    try:
        k.start(workdir, "http://127.0.0.1:%d/kannel/mo" % port)
        k.sendsms(to="48600100200", text="Hello")          # MT, as curl would
        k.wait_mt(lambda m: m["text"] == "Hello")           # at the "phone"
        k.mo("48600100200", k.number, "Dzień dobry")        # MO -> get-url
    finally:
        k.close()                                           # stops by PID

Kannel 1.4.5 from the Debian packages kannel and kannel-extras; the set-up
follows ../shared/reference/kannel-local.md. Every port is a free loopback
port picked at start; bearerbox and smsbox run in the foreground as our
children and are stopped by PID only (SIGTERM, then SIGKILL on a deadline):
other Kannels may run on the machine. Each box is exec'd through
`setpriv --pdeathsig TERM` when available, so a test killed with SIGKILL
leaves no box behind; call start()/restart_bearerbox() from a thread that
lives as long as Kannel should (the test's main thread), since the death
signal follows the thread that started the box.

The SMS centre: bearerbox's `smsc = fake` driver listens on a TCP port and
speaks a line protocol, one message per "\\n"-terminated line,
`SENDER RECEIVER TYPE DATA`. Instead of /usr/lib/kannel/test/fakesmsc a
thread here connects to that port (reconnecting whenever the connection
drops, until stop_smsc()), records every MT line and injects MO lines.

What bearerbox 1.4.5 writes for MT (observed, not what its docs say):
  text  DATA     coding 0; DATA is the raw UTF-8 text, NOT escaped: a text
                 with a newline arrives as several lines (the extra lines
                 are glued back onto the message here, see _on_line; a
                 continuation line that itself reads "A B text ..." would
                 be taken for a new message)
  data  DATA     coding 1, URL-encoded bytes
  ucs-2 DATA     coding 2, URL-encoded UTF-16BE
  udh UDH data DATA   any message with a UDH (Kannel's own split or a
                 sendsms udh=): both URL-encoded; the coding is not on the
                 line, so the joined bytes are decoded as UTF-16BE when they
                 look like it (a NUL byte, invalid UTF-8, or C0 controls
                 that text never has) and as UTF-8 otherwise.
URL-encoding there is Kannel's: %XX, and "+" for a space.
MO lines this class sends: `text` (GSM-safe text, passed as UTF-8),
`ucs2` (URL-encoded UTF-16BE; smsbox's mo-recode turns it into UTF-8, so
the get-url sees coding=0&charset=UTF-8 either way) and `udh-text` for
multi-part messages (bearerbox joins the parts before smsbox fetches the
get-url). The protocol has no UCS-2 variant with a UDH (`udh-data` arrives
as coding=1&charset=8-BIT bytes) and 1.4.5 has no `utf8` type, so
non-GSM multi-part MO goes as UTF-8 inside `udh-text`: the get-url request
is the same as for a recoded UCS-2 message. No newline can be carried in
`text`/`udh-text`: single messages with one go as `ucs2`, multi-part ones
raise ValueError.

Delivery reports: the fake driver makes them itself for every MT sent with
a dlr-mask: type 8 (delivered to SMSC, %A = "ACK/") once the line has been
written to the client and type 1 (delivered) right after, in either order
at the dlr-url. It has no failure path (2/4/16) and nothing on the line
protocol asks for one, so there is nothing for the client to do.

API (class Kannel):
  available() -> Availability (falsy, .reason) when a binary is missing
  start(workdir, mo_url, dlr_base=None, max_messages=10, ...) -> self
  attributes: sendsms_url, sendsms_user, sendsms_password, admin_url,
    admin_password, status_password, *_port, smsc_id, number, conf
  sendsms(to, text, sender=None, **params) -> (status, body)
  dlr_url(ref, base=None) -> dlr-url carrying our own id
  mt_messages(), mt_lines(), mt_pending_parts(), mt_count(),
    wait_mt(pred, timeout=10, since=0)
  mo(sender, receiver, text, parts=1), mo_parts(...), mo_line(raw)
  stop_smsc() / start_smsc()             SMS centre away and back
  stop_all() / restart_bearerbox()       Kannel down and up (same ports)
  status(), smsc_state(), smsc_online(), running(), pids(), log_tail()
  close()                                everything down, config removed
"""

import atexit
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
import weakref

BEARERBOX = os.environ.get("ASYSTENT_BEARERBOX", "/usr/sbin/bearerbox")
SMSBOX = os.environ.get("ASYSTENT_SMSBOX", "/usr/sbin/smsbox")
SETPRIV = shutil.which("setpriv")

# GSM 03.38 default alphabet (without ESC) and extension table (gsm7.md).
GSM_BASIC = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;"
             "<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyz"
             "äöñüà")
GSM_EXT = "\f^{}\\[~]|€"
_GSM = frozenset(GSM_BASIC + GSM_EXT)

_MT_TYPES = ("text", "data", "ucs-2", "ucs2", "udh", "udh-text", "udh-data")

_live = weakref.WeakSet()


def gsm_safe(text):
    """True when every character (after NFC) is in the GSM 7-bit tables."""
    return all(c in _GSM for c in unicodedata.normalize("NFC", text))


def _unquote(b):
    """Kannel's octstr_url_encode: %XX escapes and '+' for space."""
    return urllib.parse.unquote_to_bytes(b.replace(b"+", b" "))


def _looks_utf16(b):
    if not b or len(b) % 2:
        return False
    if b"\x00" in b:
        return True
    try:
        s = b.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return any(ord(c) < 32 and c not in "\n\r\t\f\x1b" for c in s)


def _decode(b, utf16):
    if utf16:
        return b.decode("utf-16-be", "replace")
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        return b.decode("latin-1")


def _concat_info(udh):
    """(ref, total, seq) of a concatenation IE in a UDH, or None."""
    if not udh:
        return None
    end = 1 + udh[0]
    i = 1
    while i + 1 < min(end, len(udh)):
        iei, ln = udh[i], udh[i + 1]
        v = udh[i + 2:i + 2 + ln]
        if iei == 0x00 and ln == 3 and len(v) == 3:
            return v[0], v[1], v[2]
        if iei == 0x08 and ln == 4 and len(v) == 4:
            return (v[0] << 8) | v[1], v[2], v[3]
        i += 2 + ln
    return None


def _free_ports(n):
    """n distinct free loopback ports (bound together, then released)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


class Availability:
    """Truthy when Kannel can run; .reason says why not."""

    def __init__(self, ok, reason=""):
        self.ok = ok
        self.reason = reason

    def __bool__(self):
        return self.ok

    def __repr__(self):
        return "Availability(%r, %r)" % (self.ok, self.reason)


class KannelError(Exception):
    pass


class _Box:
    """One Kannel box run in the foreground as our child."""

    def __init__(self, name, binary, conf, workdir):
        self.name = name
        self.binary = binary
        self.conf = conf
        self.workdir = workdir
        self.out = os.path.join(workdir, name + ".out")
        self.proc = None
        self.pids = []            # every PID we started, for the report

    def start(self):
        cmd = [self.binary, "-v", "1", self.conf]
        if SETPRIV:
            # exec'd in place (same PID): the box gets SIGTERM if the thread
            # that started it dies, so a killed test leaves nothing behind.
            cmd = [SETPRIV, "--pdeathsig", "TERM"] + cmd
        with open(self.out, "ab") as fh:
            self.proc = subprocess.Popen(
                cmd, cwd=self.workdir,
                stdin=subprocess.DEVNULL, stdout=fh, stderr=subprocess.STDOUT)
        self.pids.append(self.proc.pid)

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=10.0):
        """SIGTERM, wait up to timeout, then SIGKILL. Returns the exit code
        (negative = signal), None if it was not running."""
        if self.proc is None:
            return None
        p, self.proc = self.proc, None
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)
        return p.returncode


class Kannel:
    """bearerbox + smsbox on free loopback ports and a Python fake SMSC."""

    def __init__(self):
        self.workdir = None
        self.confdir = None
        self.conf = None
        self.bearerbox = None
        self.smsbox = None
        self.admin_port = self.smsbox_port = None
        self.smsc_port = self.sendsms_port = None
        self.admin_password = self.status_password = None
        self.sendsms_user = self.sendsms_password = None
        self.sendsms_url = None
        self.admin_url = None
        self.mo_url = None
        self.get_url = None
        self.dlr_base = None
        self.smsc_id = "fake1"
        self._own_confdir = False
        self.number = "4812345"      # the centre's number, default MO receiver
        self.sender = "MOPS"         # default `from` for sendsms()
        self._cv = threading.Condition()
        self._lines = []             # every MT line, parsed
        self._messages = []          # whole MT messages
        self._groups = {}            # (sender, receiver, ref) -> parts
        self._mo_sent = []
        self._sock = None
        self._sock_lock = threading.Lock()
        self._smsc_wanted = False
        self._smsc_thread = None
        self._smsc_stop = threading.Event()
        self._connects = 0
        self._mo_ref = secrets.randbelow(200)
        self.timings = {}

    # -- availability ----------------------------------------------------

    @staticmethod
    def available():
        missing = [p for p in (BEARERBOX, SMSBOX)
                   if not os.access(p, os.X_OK)]
        if missing:
            return Availability(False, "%s missing; install the Debian "
                                "packages kannel kannel-extras (make deps)"
                                % ", ".join(missing))
        return Availability(True)

    # -- life cycle ------------------------------------------------------

    def start(self, workdir, mo_url, dlr_base=None, max_messages=10,
              get_url=None, smsc=True, store=True, timeout=15.0,
              confdir=None, http_retry=3):
        """Writes the config, starts bearerbox, smsbox and the fake SMSC
        client, each waited for with a deadline. workdir receives the
        logs (None: the config's temp dir). confdir receives the config
        and the store, and is the caller's to remove (None: a temp dir of
        our own, removed by close()). get_url overrides the whole
        sms-service get-url. store=True keeps bearerbox's queue in a store
        file, so messages queued while Kannel is down survive
        restart_bearerbox(). http_retry: how often smsbox fetches the
        get-url again, a second apart, before it drops an MO. Returns
        self."""
        av = self.available()
        if not av:
            raise KannelError(av.reason)
        for s in (mo_url, dlr_base or "", get_url or ""):
            if '"' in s or "\n" in s:
                raise ValueError("URL not usable in kannel.conf: %r" % s)
        if "%" in mo_url or "%" in (dlr_base or ""):
            raise ValueError("mo_url/dlr_base must not contain '%' (Kannel "
                             "would read it as an escape)")
        self._own_confdir = confdir is None
        if confdir is None:
            confdir = tempfile.mkdtemp(prefix="kannel-conf.")
        else:
            os.makedirs(confdir, mode=0o700, exist_ok=True)
        self.confdir = confdir
        self.workdir = workdir or self.confdir
        os.makedirs(self.workdir, exist_ok=True)
        self.mo_url = mo_url
        self.dlr_base = dlr_base
        sep = "&" if "?" in mo_url else "?"
        self.get_url = get_url or (
            mo_url + sep + "from=%p&to=%P&text=%b&coding=%c&charset=%C"
            "&ts=%T&id=%I")
        self.max_messages = max_messages
        self.store = store
        self.http_retry = http_retry
        self.admin_password = secrets.token_hex(8)
        self.status_password = secrets.token_hex(8)
        self.sendsms_user = "asystent-" + secrets.token_hex(3)
        self.sendsms_password = secrets.token_hex(12)
        _live.add(self)
        last = None
        for _attempt in range(3):     # a picked port may be taken meanwhile
            (self.admin_port, self.smsbox_port, self.smsc_port,
             self.sendsms_port) = _free_ports(4)
            self.admin_url = "http://127.0.0.1:%d" % self.admin_port
            self.sendsms_url = ("http://127.0.0.1:%d/cgi-bin/sendsms"
                                % self.sendsms_port)
            self._write_conf()
            try:
                self._start_boxes(timeout)
                break
            except KannelError as e:
                last = e
                self.stop_all()
                if "Address already in use" not in self.log_tail():
                    raise
        else:
            raise last
        if smsc:
            self.start_smsc(timeout=timeout)
        return self

    def _write_conf(self):
        w = self.workdir
        store = ""
        if self.store:
            store = 'store-type = file\nstore-location = "%s"\n' \
                    'store-dump-freq = 1\n' % os.path.join(self.confdir,
                                                           "store")
        dlr = ""
        if self.dlr_base:
            sep = "&" if "?" in self.dlr_base else "?"
            dlr = ('dlr-url = "%s%st=%%d&r=%%A&ts=%%T&phone=%%p'
                   '&smsc_msgid=%%F"\n' % (self.dlr_base, sep))
        text = """\
group = core
admin-port = {admin}
admin-interface = 127.0.0.1
admin-password = "{adminpw}"
status-password = "{statuspw}"
admin-allow-ip = "127.0.0.1"
smsbox-port = {smsbox}
smsbox-interface = 127.0.0.1
box-allow-ip = "127.0.0.1"
log-file = "{w}/bearerbox.log"
log-level = 1
access-log = "{w}/access.log"
dlr-storage = internal
{store}
group = smsc
smsc = fake
smsc-id = {smsc_id}
host = 127.0.0.1
port = {smsc}
connect-allow-ip = "127.0.0.1"

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {smsbox}
sendsms-port = {sendsms}
sendsms-interface = 127.0.0.1
log-file = "{w}/smsbox.log"
log-level = 1
access-log = "{w}/smsbox-access.log"
mo-recode = true
http-request-retry = {retry}
http-queue-delay = 1

group = sendsms-user
username = "{user}"
password = "{password}"
max-messages = {maxmsg}
concatenation = true
{dlr}
group = sms-service
keyword = default
catch-all = true
max-messages = 0
accept-x-kannel-headers = true
get-url = "{get_url}"
""".format(admin=self.admin_port, adminpw=self.admin_password,
           statuspw=self.status_password, smsbox=self.smsbox_port, w=w,
           store=store, smsc_id=self.smsc_id, smsc=self.smsc_port,
           sendsms=self.sendsms_port, user=self.sendsms_user,
           password=self.sendsms_password, maxmsg=self.max_messages,
           dlr=dlr, get_url=self.get_url, retry=self.http_retry)
        self.conf = os.path.join(self.confdir, "kannel.conf")
        fd = os.open(self.conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)

    def _start_boxes(self, timeout=15.0):
        if self.bearerbox is None:
            self.bearerbox = _Box("bearerbox", BEARERBOX, self.conf,
                                  self.workdir)
            self.smsbox = _Box("smsbox", SMSBOX, self.conf, self.workdir)
        t0 = time.monotonic()
        self.bearerbox.start()
        self._wait(lambda: self._status() is not None, timeout,
                   "bearerbox admin port %d" % self.admin_port,
                   self.bearerbox)
        t1 = time.monotonic()
        self.smsbox.start()
        self._wait(lambda: self._http_up(self.sendsms_port) and
                   "smsbox:" in (self._status() or ""), timeout,
                   "smsbox on port %d" % self.sendsms_port, self.smsbox)
        t2 = time.monotonic()
        self.timings.setdefault("bearerbox_up", []).append(t1 - t0)
        self.timings.setdefault("smsbox_up", []).append(t2 - t1)

    def _wait(self, pred, timeout, what, box=None):
        deadline = time.monotonic() + timeout
        while True:
            if box is not None and not box.alive():
                raise KannelError("%s exited (%s) while waiting for %s\n%s"
                                  % (box.name, box.proc and
                                     box.proc.returncode, what,
                                     self.log_tail()))
            if pred():
                return
            if time.monotonic() >= deadline:
                raise KannelError("timed out after %.1fs waiting for %s\n%s"
                                  % (timeout, what, self.log_tail()))
            time.sleep(0.03)

    def stop_all(self, timeout=10.0):
        """Kannel down: smsbox then bearerbox, by PID. The fake SMSC client
        keeps trying to reconnect (unless stop_smsc() was called), so after
        restart_bearerbox() it is back by itself."""
        t0 = time.monotonic()
        rcs = {}
        for box in (self.smsbox, self.bearerbox):
            if box is not None:
                rcs[box.name] = box.stop(timeout)
        self.timings.setdefault("stop_all", []).append(time.monotonic() - t0)
        return rcs

    def restart_bearerbox(self, timeout=15.0):
        """Kannel up again (after stop_all(), or stops it first): same
        ports, same config; waits for the SMSC client when it is wanted."""
        if self.bearerbox is not None and (self.bearerbox.alive() or
                                           self.smsbox.alive()):
            self.stop_all()
        self._start_boxes(timeout)
        if self._smsc_wanted:
            self._wait(self.smsc_online, timeout, "fake SMSC online")
        return self

    def running(self):
        return bool(self.bearerbox and self.bearerbox.alive() and
                    self.smsbox and self.smsbox.alive())

    def close(self):
        """Stops everything we started and removes our own config dir (the
        logs in workdir, and a confdir given to start(), stay with the
        caller)."""
        self.stop_smsc(wait=False)
        self.stop_all()
        if self.confdir and self._own_confdir:
            shutil.rmtree(self.confdir, ignore_errors=True)
        self.confdir = None
        _live.discard(self)

    def pids(self):
        """Every PID this instance started (all restarts)."""
        return [p for b in (self.bearerbox, self.smsbox) if b for p in b.pids]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- status ----------------------------------------------------------

    def _status(self):
        try:
            with urllib.request.urlopen(
                    "%s/status.txt?password=%s" % (self.admin_url,
                                                   self.status_password),
                    timeout=2) as r:
                return r.read().decode("utf-8", "replace")
        except (OSError, urllib.error.URLError):
            return None

    def status(self):
        """bearerbox's status.txt, or None when it does not answer."""
        return self._status()

    @staticmethod
    def _http_up(port):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            return False

    def smsc_state(self):
        """'online', 'connecting', 're-connecting', ... or None."""
        st = self._status() or ""
        m = re.search(r"FAKE:%d \(([a-z-]+)" % self.smsc_port, st)
        return m.group(1) if m else None

    def smsc_online(self):
        return self.smsc_state() == "online"

    # -- fake SMSC client ------------------------------------------------

    def start_smsc(self, timeout=10.0):
        """Connects the fake SMS centre and waits until bearerbox shows it
        online; MT queued meanwhile arrive right after."""
        if self._smsc_thread is not None and self._smsc_thread.is_alive():
            self._smsc_wanted = True
        else:
            self._smsc_wanted = True
            self._smsc_stop.clear()
            self._smsc_thread = threading.Thread(
                target=self._smsc_loop, name="fake-smsc", daemon=True)
            self._smsc_thread.start()
        t0 = time.monotonic()
        if self.running():
            self._wait(self.smsc_online, timeout, "fake SMSC online")
        self.timings.setdefault("smsc_online", []).append(
            time.monotonic() - t0)

    def stop_smsc(self, wait=True, timeout=10.0):
        """The SMS centre goes away: closes the connection and waits until
        bearerbox has noticed (otherwise it may write the next MT into the
        dead socket and count it as sent)."""
        self._smsc_wanted = False
        self._smsc_stop.set()
        with self._sock_lock:
            s = self._sock
        if s is not None:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._smsc_thread is not None:
            self._smsc_thread.join(timeout)
            self._smsc_thread = None
        if wait and self.running():
            self._wait(lambda: self.smsc_state() not in ("online", None),
                       timeout, "bearerbox to see the SMSC gone")

    def _smsc_loop(self):
        while not self._smsc_stop.is_set():
            try:
                s = socket.create_connection(("127.0.0.1", self.smsc_port),
                                             timeout=1)
            except OSError:
                self._smsc_stop.wait(0.05)
                continue
            s.settimeout(None)
            with self._sock_lock:
                self._sock = s
                self._connects += 1
            buf = b""
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    buf += chunk
                    while b"\n" in buf:
                        line, buf = buf.split(b"\n", 1)
                        self._on_line(line)
            except OSError:
                pass
            finally:
                with self._sock_lock:
                    self._sock = None
                s.close()
            if buf:
                self._on_line(buf)
            self._smsc_stop.wait(0.05)

    def _on_line(self, raw):
        t = time.time()
        parts = raw.split(b" ", 3)
        typ = parts[2].decode("latin-1") if len(parts) >= 3 else None
        with self._cv:
            if len(parts) < 4 or typ not in _MT_TYPES:
                # bearerbox writes `text` data unescaped: a newline in the
                # text splits the message over lines. Glue them back.
                prev = self._lines[-1] if self._lines else None
                if prev is not None and prev["type"] == "text":
                    prev["data"] += b"\n" + raw
                    prev["raw"] += b"\n" + raw
                    msg = prev.get("message")
                    if msg is not None:
                        msg["text"] = _decode(prev["data"], False)
                    self._cv.notify_all()
                    return
                entry = {"t": t, "raw": raw, "type": "junk", "sender": None,
                         "receiver": None, "udh": b"", "data": raw}
                self._lines.append(entry)
                self._cv.notify_all()
                return
            sender = parts[0].decode("utf-8", "replace")
            receiver = parts[1].decode("utf-8", "replace")
            rest = parts[3]
            udh = b""
            if typ in ("udh", "udh-text", "udh-data"):
                u, _, rest2 = rest.partition(b" ")
                udh = _unquote(u)
                if typ == "udh":     # "udh UDH data DATA"
                    dt, _, d = rest2.partition(b" ")
                    data = _unquote(d) if dt != b"text" else d
                elif typ == "udh-data":
                    data = _unquote(rest2)
                else:
                    data = rest2
            elif typ == "text":
                data = rest
            else:
                data = _unquote(rest)
            entry = {"t": t, "raw": raw, "type": typ, "sender": sender,
                     "receiver": receiver, "udh": udh, "data": data}
            self._lines.append(entry)
            info = _concat_info(udh)
            if info is None:
                if typ == "text":
                    coding, text = 0, _decode(data, False)
                elif typ in ("ucs-2", "ucs2"):
                    coding, text = 2, data.decode("utf-16-be", "replace")
                else:
                    u16 = _looks_utf16(data)
                    coding, text = (2 if u16 else 1), _decode(data, u16)
                msg = {"t": t, "sender": sender, "receiver": receiver,
                       "text": text, "coding": coding, "parts": 1,
                       "ref": None, "udh": udh, "lines": [raw]}
                entry["message"] = msg
                self._messages.append(msg)
            else:
                ref, total, seq = info
                key = (sender, receiver, ref)
                g = self._groups.get(key)
                if g is None or seq in g["parts"] or g["total"] != total:
                    g = {"total": total, "parts": {}, "t0": t}
                    self._groups[key] = g
                g["parts"][seq] = entry
                if len(g["parts"]) == total and \
                        set(g["parts"]) == set(range(1, total + 1)):
                    del self._groups[key]
                    ents = [g["parts"][i] for i in range(1, total + 1)]
                    joined = b"".join(e["data"] for e in ents)
                    u16 = _looks_utf16(joined)
                    self._messages.append({
                        "t": t, "sender": sender, "receiver": receiver,
                        "text": _decode(joined, u16),
                        "coding": 2 if u16 else 0, "parts": total,
                        "ref": ref, "udh": ents[0]["udh"],
                        "lines": [e["raw"] for e in ents]})
            self._cv.notify_all()

    # -- MT (what the phones received) -----------------------------------

    def mt_messages(self):
        """Whole MT messages, oldest first: dicts with sender, receiver,
        text (decoded), coding (0 GSM, 1 8-bit, 2 UCS-2; for UDH lines
        inferred from the bytes, 0 or 2), parts, ref (concatenation
        reference or None), udh (first part's), lines (raw), t (unix time
        of the last part)."""
        with self._cv:
            return [dict(m) for m in self._messages]

    def mt_lines(self):
        """Every MT line as parsed (type, sender, receiver, udh, data,
        raw, t), including parts of messages not yet complete."""
        with self._cv:
            return [{k: v for k, v in e.items() if k != "message"}
                    for e in self._lines]

    def mt_pending_parts(self):
        """Parts of concatenated messages still waiting for the rest."""
        with self._cv:
            return {k: sorted(g["parts"]) for k, g in self._groups.items()}

    def wait_mt(self, pred=None, timeout=10.0, since=0):
        """The first whole MT message (index >= since) satisfying pred;
        AssertionError listing what arrived when the deadline passes."""
        pred = pred or (lambda m: True)
        deadline = time.monotonic() + timeout
        with self._cv:
            while True:
                for m in self._messages[since:]:
                    if pred(m):
                        return dict(m)
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(m["sender"], m["receiver"], m["text"])
                            for m in self._messages[since:]][-20:]
                    raise AssertionError(
                        "no MT matched in %.1fs; smsc %s; saw %d: %r; "
                        "pending parts: %r" %
                        (timeout, "connected" if self._sock else
                         "not connected", len(self._messages) - since,
                         seen, {k: sorted(g["parts"]) for k, g in
                                self._groups.items()}))
                self._cv.wait(min(left, 0.5))

    def mt_count(self):
        with self._cv:
            return len(self._messages)

    # -- MO (a phone writes) ---------------------------------------------

    def mo_line(self, line):
        """Sends one raw protocol line (str or bytes, no newline)."""
        if isinstance(line, str):
            line = line.encode("utf-8")
        if b"\n" in line:
            raise ValueError("a protocol line cannot contain a newline")
        deadline = time.monotonic() + 5
        while True:
            with self._sock_lock:
                s = self._sock
                if s is not None:
                    s.sendall(line + b"\n")
                    self._mo_sent.append(line)
                    return
            if time.monotonic() >= deadline:
                raise KannelError("fake SMSC is not connected (start_smsc?)")
            time.sleep(0.02)

    def mo(self, sender, receiver=None, text="", parts=1, ref=None):
        """A phone sends text to receiver (default self.number): `text`
        for GSM-safe text, `ucs2` otherwise (and for text with CR/LF,
        which a `text` line cannot carry). parts > 1 splits it into that
        many `udh-text` parts sharing a reference; returns the ref."""
        receiver = receiver or self.number
        for v in (sender, receiver):
            if not v or " " in v or "\n" in v:
                raise ValueError("bad number %r" % v)
        if parts > 1:
            n = len(text)
            size = -(-n // parts)
            chunks = [text[i:i + size] for i in range(0, n, size)]
            if len(chunks) != parts:
                raise ValueError("text too short for %d parts" % parts)
            return self.mo_parts(sender, receiver, chunks, ref)
        if gsm_safe(text) and "\n" not in text and "\r" not in text:
            self.mo_line("%s %s text %s" % (sender, receiver, text))
        else:
            self.mo_line("%s %s ucs2 %s" % (
                sender, receiver,
                urllib.parse.quote(text.encode("utf-16-be"), safe="")))
        return None

    def mo_parts(self, sender, receiver, chunks, ref=None, order=None):
        """A multi-part MO: chunks[i] is part i+1; order (0-based indexes)
        sends them in another order. Returns the UDH reference."""
        receiver = receiver or self.number
        if ref is None:
            self._mo_ref = (self._mo_ref + 1) % 256
            ref = self._mo_ref
        total = len(chunks)
        if not 1 <= total <= 255:
            raise ValueError("1..255 parts")
        for c in chunks:
            if "\n" in c or "\r" in c:
                raise ValueError("udh-text cannot carry a newline")
        for i in (order if order is not None else range(total)):
            udh = bytes([5, 0, 3, ref, total, i + 1])
            self.mo_line("%s %s udh-text %s %s" % (
                sender, receiver, urllib.parse.quote(udh, safe=""),
                chunks[i]))
        return ref

    # -- sendsms ---------------------------------------------------------

    def sendsms(self, to, text, sender=None, timeout=10.0, **params):
        """GET /cgi-bin/sendsms as curl would. text may be str (UTF-8) or
        bytes; params are added as given (dlr_mask= may be written
        dlr-mask via **{"dlr-mask": 31}; underscores become dashes; bytes
        values, e.g. udh, are URL-encoded byte by byte). Returns (HTTP
        status, body); connection errors raise URLError."""
        q = [("username", self.sendsms_user),
             ("password", self.sendsms_password),
             ("from", sender or self.sender), ("to", to), ("text", text)]
        for k, v in params.items():
            q.append((k.replace("_", "-"), v))
        url = self.sendsms_url + "?" + "&".join(
            "%s=%s" % (k, urllib.parse.quote(
                v if isinstance(v, (bytes, str)) else str(v), safe=""))
            for k, v in q)
        try:
            with urllib.request.urlopen(url, timeout=timeout) as r:
                return r.status, r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8", "replace")

    def dlr_url(self, ref, base=None):
        """A dlr-url for sendsms carrying our own id (Kannel's %I in a DLR
        is new per report): base?id=REF&t=%d&r=%A&ts=%T."""
        base = base or self.dlr_base
        if not base:
            raise ValueError("no dlr base URL")
        sep = "&" if "?" in base else "?"
        return "%s%sid=%s&t=%%d&r=%%A&ts=%%T" % (
            base, sep, urllib.parse.quote(str(ref), safe=""))

    # -- logs ------------------------------------------------------------

    def log_tail(self, n=40):
        """The last n lines of each box's log and stdout, for failures."""
        out = []
        if not self.workdir:
            return ""
        # *.out (stdout, -v 1) repeats *.log but also has what happens
        # before the log file is open and crashes: a short tail of it.
        for name, m in (("bearerbox.log", n), ("bearerbox.out", 8),
                        ("smsbox.log", n), ("smsbox.out", 8)):
            p = os.path.join(self.workdir, name)
            try:
                with open(p, "rb") as f:
                    lines = f.read().decode("utf-8", "replace").splitlines()
            except OSError:
                continue
            out.append("---- %s (last %d lines)" % (name, m))
            out.extend(lines[-m:])
        with self._cv:
            out.append("---- fake SMSC: %d connects, %d MT lines, %d MO sent"
                       % (self._connects, len(self._lines),
                          len(self._mo_sent)))
            for e in self._lines[-5:]:
                out.append("MT " + e["raw"].decode("utf-8", "replace"))
        return "\n".join(out)


@atexit.register
def _stop_leftovers():
    for k in list(_live):
        try:
            k.close()
        except Exception:
            pass
