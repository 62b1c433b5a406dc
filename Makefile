# Entry points.  The README's two commands are ./run-demo and ./run-tests;
# these targets are the same steps for people who work on the project.
BIN := build/bin
CFLAGS ?= -O2 -g
CFLAGS += -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers -std=gnu11
PKGS := glib-2.0 json-glib-1.0
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS = $(shell pkg-config --libs $(PKGS))

TOOLS := $(BIN)/qmp-call $(BIN)/hbmon $(BIN)/cpr-update $(BIN)/hostile-peer $(BIN)/cpr-capture \
	$(BIN)/timeline $(BIN)/startup-time
UNIT_TESTS := $(BIN)/test-hb-stats $(BIN)/test-qmp-client $(BIN)/test-same-args \
	$(BIN)/test-stream-mutate \
	$(BIN)/test-handover-args $(BIN)/test-compat-parse $(BIN)/test-phase-timeline \
	$(BIN)/test-source-late-stop

.PHONY: all tools unit-tests asan-unit-tests man deps prepare qemu guest metal-guest demo check export install \
	install-tools install-qemu clean
all: tools guest qemu

tools: $(TOOLS)
unit-tests: $(UNIT_TESTS)

# The unit tests again, built with ASan and UBSan in build/bin-asan
# (tests/t-unit-asan.sh): memory errors and leaks in what parses QMP,
# command lines, CPR streams and trace logs.
asan-unit-tests:
	$(MAKE) --no-print-directory BIN=build/bin-asan \
		CC="$(CC) -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
		unit-tests

$(BIN)/%.o: tools/%.c $(wildcard tools/*.h)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -Itools -c -o $@ $<

$(BIN)/cpr-update-%.o: tools/cpr-update/%.c $(wildcard tools/*.h tools/cpr-update/*.h)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -Itools -Itools/cpr-update -c -o $@ $<

$(BIN)/test-%.o: tests/unit/test-%.c $(wildcard tools/*.h tools/cpr-update/*.h)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -Itools -Itools/cpr-update -c -o $@ $<

CPR_UPDATE_OBJS := $(addprefix $(BIN)/cpr-update-,main.o update.o dest-process.o same-args.o report.o \
	qemu-args.o fd-handover.o tap-handover.o socket-handover.o preflight.o \
	compat-check.o compat-parse.o binary-compat.o update-timeline.o) \
	$(BIN)/qmp-client.o $(BIN)/phase-timeline.o
# The source's monitor held by another client; the destination announced
# to its supervisor (--pidfile, systemd's MAINPID=).
CPR_UPDATE_OBJS += $(addprefix $(BIN)/cpr-update-,source-monitor.o supervise.o)
# A shorter pause: the source stops the guest late where it can
# (cpr-late-stop), and neither side builds the vmstate description.
CPR_UPDATE_OBJS += $(BIN)/cpr-update-source-late-stop.o $(BIN)/cpr-update-vmdesc.o \
	$(BIN)/cpr-update-migration-cancel.o
$(BIN)/cpr-update-supervise.o: PKG_CFLAGS += $(shell pkg-config --cflags libsystemd)
$(BIN)/cpr-update: PKG_LIBS += $(shell pkg-config --libs libsystemd)
$(BIN)/cpr-update: $(CPR_UPDATE_OBJS)
	$(CC) -o $@ $^ $(PKG_LIBS)

$(BIN)/test-same-args: $(BIN)/test-same-args.o $(BIN)/cpr-update-same-args.o \
	$(BIN)/cpr-update-qemu-args.o
	$(CC) -o $@ $^ $(PKG_LIBS)

$(BIN)/test-handover-args: $(BIN)/test-handover-args.o \
	$(addprefix $(BIN)/cpr-update-,qemu-args.o fd-handover.o tap-handover.o \
	socket-handover.o preflight.o same-args.o)
	$(CC) -o $@ $^ $(PKG_LIBS)

$(BIN)/test-source-late-stop: $(BIN)/test-source-late-stop.o \
	$(BIN)/cpr-update-source-late-stop.o $(BIN)/qmp-client.o
	$(CC) -o $@ $^ $(PKG_LIBS)

$(BIN)/test-compat-parse: $(BIN)/test-compat-parse.o \
	$(addprefix $(BIN)/cpr-update-,compat-parse.o qemu-args.o)
	$(CC) -o $@ $^ $(PKG_LIBS)

$(BIN)/qmp-call: $(BIN)/qmp-call.o $(BIN)/qmp-client.o
	$(CC) -o $@ $^ $(PKG_LIBS)

PEER_OBJS := $(addprefix $(BIN)/,peer-stream.o cpr-format.o)
$(BIN)/hostile-peer: $(BIN)/hostile-peer.o $(BIN)/peer-socket.o $(BIN)/stream-mutate.o \
		$(PEER_OBJS) $(BIN)/qmp-client.o
	$(CC) -o $@ $^ $(PKG_LIBS)

$(BIN)/cpr-capture: $(BIN)/cpr-capture.o $(PEER_OBJS)
	$(CC) -o $@ $^ $(PKG_LIBS)

$(BIN)/test-stream-mutate: $(BIN)/test-stream-mutate.o $(BIN)/stream-mutate.o $(PEER_OBJS)
	$(CC) -o $@ $^ $(PKG_LIBS)

$(BIN)/startup-time: $(BIN)/startup-time.o
	$(CC) -o $@ $^ $(PKG_LIBS)

$(BIN)/hbmon: $(BIN)/hbmon.o $(BIN)/hb-stats.o $(BIN)/line-sequence.o $(BIN)/json-summary.o
	$(CC) -o $@ $^ $(PKG_LIBS)

$(BIN)/timeline: $(BIN)/timeline.o $(BIN)/phase-timeline.o
	$(CC) -o $@ $^ $(PKG_LIBS)

$(BIN)/test-phase-timeline: $(BIN)/test-phase-timeline.o $(BIN)/phase-timeline.o
	$(CC) -o $@ $^ $(PKG_LIBS)

$(BIN)/test-hb-stats: $(BIN)/test-hb-stats.o $(BIN)/hb-stats.o $(BIN)/line-sequence.o
	$(CC) -o $@ $^ $(PKG_LIBS)

$(BIN)/test-qmp-client: $(BIN)/test-qmp-client.o $(BIN)/qmp-client.o
	$(CC) -o $@ $^ $(PKG_LIBS)

# The demo guest's disk and network, checked from the host.
GUEST_IO_TOOLS := $(BIN)/net-peer $(BIN)/disk-check
GUEST_IO_UNIT_TESTS := $(BIN)/test-disk-verify $(BIN)/test-net-stats
tools: $(GUEST_IO_TOOLS)
unit-tests: $(GUEST_IO_UNIT_TESTS)

$(BIN)/net-peer: $(BIN)/net-peer.o $(BIN)/net-stats.o $(BIN)/line-sequence.o $(BIN)/json-summary.o
	$(CC) -o $@ $^ $(PKG_LIBS)

$(BIN)/disk-check: $(BIN)/disk-check.o $(BIN)/disk-verify.o
	$(CC) -o $@ $^ $(PKG_LIBS)

$(BIN)/test-disk-verify: $(BIN)/test-disk-verify.o $(BIN)/disk-verify.o
	$(CC) -o $@ $^ $(PKG_LIBS)

$(BIN)/test-net-stats: $(BIN)/test-net-stats.o $(BIN)/net-stats.o $(BIN)/line-sequence.o
	$(CC) -o $@ $^ $(PKG_LIBS)

deps:
	scripts/install-deps.sh

prepare:
	scripts/prepare-qemu.sh

qemu: prepare
	scripts/build-qemu.sh

guest:
	guest/build-guest.sh

# The bare-metal heartbeat guest (build/metal-guest/metal-guest.elf).
metal-guest:
	guest/metal/build.sh

demo:
	./run-demo

check:
	./run-tests

export:
	scripts/export-patches.sh

# cpr-update's manual page, generated from its manual (one text to keep):
# the title line goes, the sections become the page's, links show as text,
# and a table's last column takes the width left (long words in a narrow
# column would make groff warn).
MAN := $(BIN)/cpr-update.1
man: $(MAN)
tools: $(MAN)
$(MAN): docs/cpr-update.md
	@mkdir -p $(BIN)
	sed '1{/^# /d}' $< | lowdown -s -Tman --nroff-nolinks -M title=cpr-update \
		-M section=1 -M shiftheadinglevelby=-1 | \
		sed -e 's/^tab(|) expand allbox;$$/tab(|) allbox;/' -e 's/^l l\.$$/l lx./' > $@.tmp
	mv $@.tmp $@

# Install our QEMU and cpr-update into PREFIX (default /usr/local) for use
# outside the tree.  install-tools alone is quick; install-qemu builds QEMU.
PREFIX ?= /usr/local
install: install-tools install-qemu

install-qemu: prepare
	scripts/install-qemu.sh $(PREFIX)

# With the tool, the pre-flight's device-state checker from the QEMU tree
# (when prepared), where an installed cpr-update looks for it.
install-tools: $(BIN)/cpr-update $(MAN)
	install -D -m 0755 $(BIN)/cpr-update $(DESTDIR)$(PREFIX)/bin/cpr-update
	install -D -m 0644 $(MAN) $(DESTDIR)$(PREFIX)/share/man/man1/cpr-update.1
	if [ -f build/qemu/scripts/vmstate-static-checker.py ]; then \
		install -D -m 0755 build/qemu/scripts/vmstate-static-checker.py \
			$(DESTDIR)$(PREFIX)/share/cpr-update/vmstate-static-checker.py; \
	fi

clean:
	rm -rf $(BIN) build/guest build/metal-guest
