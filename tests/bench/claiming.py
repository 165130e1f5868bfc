"""make bench: what one dispatcher pass reads to claim (issue 11).

The outbox is filled as the store writes it (payloads left out: a pass
does not open them), then the dispatcher's two statements are timed on the
daemon's own database file: the due query (64 rows, as a pass asks) and
the next-due query (when nothing is due). Cases: an empty queue; 10,000
chats with one row each; 50,000 rows in 40 chats; 40 ready rows with
10,000 rows scheduled for later. The same data is also read with the
statements and indexes before migration 11 (outbox_heads, outbox_chat),
for comparison.

The statements are copies of daemon/store/outbox.c's; keep them in step.
The daemon's SQL functions outbox_in_flight() and outbox_chat_busy() are
registered here as nothing in flight (a Python call each, slower than the
daemon's C).
"""
import statistics
import time

from harness import Scenario

HELD = ("AND (priority = 3 AND NOT outbox_in_flight(o.id) "
        "OR (priority <> 3 AND NOT outbox_chat_busy(o.chat_key) "
        "AND NOT EXISTS (SELECT 1 FROM outbox p "
        "  WHERE p.chat_key = o.chat_key AND p.state = 0 "
        "  AND p.ext_message_id IS NULL AND p.id < o.id "
        "  AND p.not_before <= ?1 AND p.priority <> 3))) ")
COLS = ("SELECT id, channel, priority, attempts, is_group, chat_key, "
        "method, cause, cause_id, member_id FROM outbox o ")
READY = "head = 1 AND state = 0 AND not_before = 0 AND next_attempt_at = 0 "
WAITING = ("head = 1 AND state = 0 AND (not_before <> 0 OR "
           "next_attempt_at <> 0) ")
DUE = (COLS + "INDEXED BY outbox_ready WHERE " + READY + HELD +
       "UNION ALL " + COLS + "INDEXED BY outbox_waiting WHERE " + WAITING +
       "AND MAX(not_before, next_attempt_at) <= ?1 " + HELD +
       "ORDER BY 3, 1 LIMIT ?2")
NEXT_DUE = ("SELECT CASE WHEN EXISTS (SELECT 1 FROM outbox INDEXED BY "
            "outbox_ready WHERE " + READY + "AND NOT outbox_in_flight(id)) "
            "THEN 0 ELSE (SELECT MAX(not_before, next_attempt_at) AS t "
            "FROM outbox INDEXED BY outbox_waiting WHERE " + WAITING +
            "AND NOT outbox_in_flight(id) ORDER BY t LIMIT 1) END")
# Before migration 11: its indexes, and rows in flight marked `sending`.
OLD_INDEXES = ("CREATE INDEX outbox_heads ON outbox (priority, id, "
               "not_before, next_attempt_at) WHERE head = 1 AND state = 0;"
               "CREATE INDEX outbox_chat ON outbox (chat_key, state, id);")
OLD_DROP = "DROP INDEX outbox_heads; DROP INDEX outbox_chat;"
OLD_HELD = ("AND (priority = 3 OR (NOT EXISTS (SELECT 1 FROM outbox p "
            "WHERE p.chat_key = o.chat_key AND p.state = 1 "
            "AND p.priority <> 3) "
            "AND NOT EXISTS (SELECT 1 FROM outbox p "
            "WHERE p.chat_key = o.chat_key AND p.state = 0 AND p.id < o.id "
            "AND p.not_before <= ?1 AND p.priority <> 3))) ")
OLD_DUE = (COLS + "INDEXED BY outbox_heads WHERE head = 1 AND state = 0 "
           "AND not_before <= ?1 AND next_attempt_at <= ?1 " + OLD_HELD +
           "ORDER BY priority, id LIMIT ?2")
OLD_NEXT_DUE = ("SELECT MIN(MAX(not_before, next_attempt_at)) FROM outbox "
                "INDEXED BY outbox_heads WHERE head = 1 AND state = 0")

NOW = 1764800000000
CONF = {"daemon.log_level": "notice"}


def fill(con, rows):
    """rows: (chat number, head, not_before) in id order."""
    con.execute("DELETE FROM outbox")
    con.executemany(
        "INSERT INTO outbox (id, created_at, priority, channel, chat_key, "
        "method, cause, not_before, head) VALUES (?, ?, 0, 1, ?, "
        "'sendMessage', 'relay', ?, ?)",
        ((i + 1, NOW, chat.to_bytes(16, "big"), nb, head)
         for i, (chat, head, nb) in enumerate(rows)))
    con.commit()


def timed(con, sql, args, n=200):
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        con.execute(sql, args).fetchall()
        times.append((time.perf_counter() - t0) * 1e6)
    return statistics.median(times)


def cases():
    later = NOW + 86400000
    return [
        ("empty queue", []),
        ("10,000 chats, one row each",
         [(c, 1, 0) for c in range(10000)]),
        ("50,000 rows in 40 chats",
         [(i % 40, 1 if i < 40 else 0, 0) for i in range(50000)]),
        ("40 ready rows, 10,000 scheduled for later",
         [(10000 + c, 1, later) for c in range(10000)] +
         [(c, 1, 0) for c in range(40)]),
    ]


def measure():
    import sqlite3
    sc = Scenario(limits=False)
    try:
        d = sc.daemon(conf=CONF)
        d.stop()
        con = sqlite3.connect(d.db)
        con.create_function("outbox_in_flight", 1, lambda i: 0,
                            deterministic=True)
        con.create_function("outbox_chat_busy", 1, lambda k: 0,
                            deterministic=True)
        out = []
        for name, rows in cases():
            fill(con, rows)
            plan = [r[3] for r in con.execute("EXPLAIN QUERY PLAN " + DUE,
                                              (NOW, 64))]
            n = len(con.execute(DUE, (NOW, 64)).fetchall())
            due, nxt = timed(con, DUE, (NOW, 64)), timed(con, NEXT_DUE, ())
            con.executescript(OLD_INDEXES)
            old_due = timed(con, OLD_DUE, (NOW, 64))
            old_nxt = timed(con, OLD_NEXT_DUE, ())
            con.executescript(OLD_DROP)
            out.append((name, n, due, nxt, old_due, old_nxt, plan))
        con.close()
        return out
    finally:
        sc.close(False)


def figures():
    for name, n, due, nxt, old_due, old_nxt, plan in measure():
        print("claiming, %s: due query %.0f us (%d rows), next due %.0f us;"
              " before migration 11: %.0f us, %.0f us"
              % (name, due, n, nxt, old_due, old_nxt))
    print("claiming: due query plan: %s" % "; ".join(plan))

