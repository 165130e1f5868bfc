# asystent: build, test, check (sanitizers), run, bench, install.
# GNU make; flags come from pkg-config. Outputs go to $(BUILD)/.

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
SBINDIR	?= $(PREFIX)/sbin
DATADIR	?= $(PREFIX)/share/asystent
UNITDIR	?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
SYSCONFDIR ?= /etc
DESTDIR	?=

BUILD	?= build
PKGS	:= libevent libcurl libcjson sqlite3 libsodium inih
VERSION	:= 0.1.0

WARN	:= -Wall -Wextra -Wpedantic -Wformat=2 -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes
ifeq ($(CI),true)
WARN	+= -Werror
endif

CFLAGS	?= -O2 -g
ifeq ($(SAN),1)
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	    -fno-omit-frame-pointer
# Not in "undefined": a double cast to an integer it does not fit.
SANFLAGS += $(shell $(CC) -fsanitize=float-cast-overflow -x c -c \
	    -o /dev/null /dev/null 2>/dev/null && \
	    echo -fsanitize=float-cast-overflow)
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null)
# asystentctl talks JSON over HTTP to the daemon and reads its config file;
# it never opens the database, the key or an event loop.
CTL_PKGS := libcurl libcjson inih
CTL_LIBS = $(shell pkg-config --libs $(CTL_PKGS) 2>/dev/null)

ALL_CFLAGS = -std=c11 -D_DEFAULT_SOURCE -Iinclude $(WARN) $(PKG_CFLAGS) \
	     $(CFLAGS) $(SANFLAGS) -MMD -MP \
	     -DASYSTENT_VERSION='"$(VERSION)"' \
	     -DASYSTENT_DATADIR='"$(DATADIR)"' \
	     -DASYSTENT_SYSCONFDIR='"$(SYSCONFDIR)"'
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS)

# daemon/ holds main.c and one folder per layer (doc/architecture.md).
DAEMON_DIRS := core store channel channel/telegram channel/sms dispatch conv \
	       admin metrics
DAEMON_SRC := $(foreach d,$(DAEMON_DIRS),$(wildcard daemon/$(d)/*.c))
CORE_SRC := $(DAEMON_SRC) $(wildcard handlers/*.c)
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o)
CTL_SRC  := $(wildcard ctl/*.c)
CTL_OBJ  := $(CTL_SRC:%.c=$(BUILD)/%.o)
# The daemon modules asystentctl calls, named one by one: pure helpers that
# need nothing but libc, so linking them drags in no daemon library.
CTL_CORE := $(patsubst %.c,$(BUILD)/%.o,daemon/core/xmalloc.c daemon/core/log.c \
	    $(wildcard daemon/core/utf8.c))
EMU_SRC  := $(wildcard tests/tgemu/*.c) $(wildcard tests/emu/*.c)
EMU_OBJ  := $(EMU_SRC:%.c=$(BUILD)/%.o)
SMSEMU_SRC := $(wildcard tests/smsapiemu/*.c) $(wildcard tests/emu/*.c)
SMSEMU_OBJ := $(SMSEMU_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(wildcard tests/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/%.c=$(BUILD)/tests/%)
# What every unit test shares: the temporary-database fixture.
FIXTURE_OBJ := $(BUILD)/tests/unit/fixture.o
LANGS	 := pl uk ru en
MO	 := $(LANGS:%=$(BUILD)/messages/%.mo)

DAEMON	:= $(BUILD)/asystentd
CTL	:= $(BUILD)/asystentctl
EMU	:= $(BUILD)/tgemu
SMSEMU	:= $(BUILD)/smsapiemu

.PHONY: all deps test unit integration catalogs-check check run bench \
	fuzz valgrind valgrind-daemon install clean ctl-links-check
.DEFAULT_GOAL := all

all: $(DAEMON) $(CTL) $(EMU) $(SMSEMU) $(MO)

deps:
	@sh tools/deps.sh

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libcore.a: $(CORE_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(DAEMON): $(BUILD)/daemon/main.o $(BUILD)/libcore.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# Relinked when the Makefile changes: a binary linked by an older rule
# would otherwise keep the libraries that rule gave it.
$(CTL): $(CTL_OBJ) $(CTL_CORE) Makefile
	$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) $(CTL_LIBS)

$(EMU): $(EMU_OBJ) $(BUILD)/libcore.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(SMSEMU): $(SMSEMU_OBJ) $(BUILD)/libcore.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/test_%: $(BUILD)/tests/test_%.o $(FIXTURE_OBJ) \
    $(BUILD)/libcore.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CMOCKA_LIBS)

$(BUILD)/messages/%.mo: messages/%.po
	@mkdir -p $(dir $@)
	msgfmt --check -o $@ $<

# Unit tests (cmocka), the catalog check, then the integration scenarios
# against the real binaries.
test: deps
	@$(MAKE) --no-print-directory all $(UNIT_BIN)
	@$(MAKE) --no-print-directory catalogs-check ctl-links-check unit \
	    integration

unit: $(UNIT_BIN)
	@ASYSTENT_MO_DIR=$(BUILD)/messages ASYSTENT_BUILD=$(BUILD) \
	    sh tests/run-unit.sh $(UNIT_BIN)

integration: all
	@ASYSTENT_BUILD=$(BUILD) python3 tests/integration/run.py

# Every message translated; the conventions of messages/STYLE.md; every
# SMS variant within its part budget, rendered by the real code.
catalogs-check: $(BUILD)/tests/test_ftext $(MO)
	@sh tools/check-catalogs.sh $(LANGS)
	@python3 tools/check-catalog-style.py $(LANGS)
	@ASYSTENT_MO_DIR=$(BUILD)/messages $(BUILD)/tests/test_ftext

# Staff run asystentctl; it must not load the database, crypto or event
# loop libraries, even through another library (hence ldd, not readelf).
ctl-links-check: $(CTL)
	@if ldd $(CTL) | grep -E 'lib(sqlite3|sodium|event)'; then \
	    echo "ctl-links-check: $(CTL) loads a daemon-only library"; \
	    exit 1; \
	fi; echo "ctl-links-check: $(CTL) loads no sqlite3, libsodium or libevent"

# The same suite built with AddressSanitizer and UBSan, leak checks on;
# then the unit tests and one daemon scenario under valgrind.
check: deps
	@$(MAKE) --no-print-directory BUILD=build-check SAN=1 \
	    CFLAGS="-O1 -g" test
	@$(MAKE) --no-print-directory valgrind valgrind-daemon

valgrind-daemon: all
	@ASYSTENT_BUILD=$(BUILD) ASYSTENT_VALGRIND=1 \
	    python3 tests/integration/run.py test_30_relay

# Unit tests under valgrind (normal build): no leak, no invalid access.
valgrind: $(UNIT_BIN) $(MO)
	@for t in $(UNIT_BIN); do \
	    ASYSTENT_MO_DIR=$(BUILD)/messages valgrind -q --leak-check=full \
	    --errors-for-leak-kinds=definite --error-exitcode=9 $$t \
	    >$(BUILD)/valgrind.log 2>&1 || { cat $(BUILD)/valgrind.log; \
	    echo "valgrind: $$t failed"; exit 1; }; \
	done; echo "valgrind: $(words $(UNIT_BIN)) passed, 0 failed"

# libFuzzer harnesses of the parsers of outside input, each run
# FUZZ_SECONDS (clang with -fsanitize=fuzzer), one after another. A
# harness's corpus starts from tests/fuzz/seeds/<harness>/ when there is one.
FUZZ_SECONDS ?= 30
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/%)
FUZZ_LIBSRC := $(CORE_SRC)
build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIBSRC)
	@mkdir -p build-fuzz
	clang -std=c11 -D_DEFAULT_SOURCE -Iinclude -g -O1 \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	    -DASYSTENT_VERSION='"$(VERSION)"' \
	    -DASYSTENT_DATADIR='"$(DATADIR)"' \
	    -DASYSTENT_SYSCONFDIR='"$(SYSCONFDIR)"' $(PKG_CFLAGS) \
	    -o $@ $< $(FUZZ_LIBSRC) $(PKG_LIBS)

fuzz: deps $(FUZZ_BIN) $(MO)
	@for f in $(FUZZ_BIN); do \
	    n=$$(basename $$f); \
	    mkdir -p build-fuzz/corpus-$$n; \
	    cp $(MO) build-fuzz/corpus-fuzz_mo/ 2>/dev/null; \
	    if [ -d tests/fuzz/seeds/$$n ]; then \
	        cp tests/fuzz/seeds/$$n/* build-fuzz/corpus-$$n/ || exit 1; \
	    fi; \
	    $$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	    build-fuzz/corpus-$$n || exit 1; \
	done

run: deps all
	@sh tools/run.sh $(BUILD)

# What starting a key rotation costs with a long outbox (bench.py runs it).
BENCH_REKEY := $(BUILD)/tests/bench/rekey
$(BENCH_REKEY): $(BUILD)/tests/bench/rekey.o $(BUILD)/libcore.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# One Bot API call's CPU: the daemon's client and bare sockets.
BENCH_HTTP := $(BUILD)/tests/bench/httpfloor
$(BENCH_HTTP): $(BUILD)/tests/bench/httpfloor.o $(BUILD)/libcore.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

bench: deps all $(BENCH_REKEY) $(BENCH_HTTP)
	@ASYSTENT_BUILD=$(BUILD) python3 tests/bench/bench.py

# Not in CI, not in test: SOAK_SECONDS (3600) of mixed load (emulators
# and a real Kannel) while the daemon is killed and its services fail;
# exits 1 when anything is lost.
SOAK_SECONDS ?= 3600
.PHONY: soak
soak: deps all
	@ASYSTENT_BUILD=$(BUILD) SOAK_SECONDS=$(SOAK_SECONDS) \
	    python3 tools/soak.py

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
	    $(DESTDIR)$(DATADIR)/messages $(DESTDIR)$(UNITDIR) \
	    $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) \
	    $(DESTDIR)$(SYSCONFDIR)/asystent
	install -m 0755 $(DAEMON) $(DESTDIR)$(SBINDIR)/asystentd
	install -m 0755 $(CTL) $(DESTDIR)$(BINDIR)/asystentctl
	install -m 0644 $(MO) $(DESTDIR)$(DATADIR)/messages/
	sed 's|@SBINDIR@|$(SBINDIR)|g' systemd/asystentd.service \
	    > $(DESTDIR)$(UNITDIR)/asystentd.service
	install -m 0644 systemd/asystent.sysusers \
	    $(DESTDIR)$(SYSUSERSDIR)/asystent.conf
	install -m 0644 systemd/asystent.tmpfiles \
	    $(DESTDIR)$(TMPFILESDIR)/asystent.conf
	# The master key's directory; systemd-tmpfiles --create gives it to
	# the daemon's user (asystent.tmpfiles), which a rotation needs.
	install -d -m 0700 $(DESTDIR)$(SYSCONFDIR)/asystent/keys
	test -e $(DESTDIR)$(SYSCONFDIR)/asystent/asystent.conf || \
	    { $(DAEMON) --print-config | sed \
	    's|^catalog_dir = .*|catalog_dir = $(DATADIR)/messages|' \
	    > $(DESTDIR)$(SYSCONFDIR)/asystent/asystent.conf && \
	    chmod 0640 $(DESTDIR)$(SYSCONFDIR)/asystent/asystent.conf; }

clean:
	rm -rf build build-check build-fuzz

-include $(CORE_OBJ:.o=.d) $(CTL_OBJ:.o=.d) $(EMU_OBJ:.o=.d) \
	 $(SMSEMU_OBJ:.o=.d) $(FIXTURE_OBJ:.o=.d) \
	 $(BUILD)/daemon/main.d $(UNIT_SRC:tests/%.c=$(BUILD)/tests/%.d) \
	 $(BENCH_REKEY).d $(BENCH_HTTP).d
