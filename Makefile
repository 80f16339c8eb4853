# berth: make builds ./berth, make check tests it, make demo shows it.
# Each module is a folder; every .c in it is built, so adding a file needs
# no edit here.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions

CC ?= cc
FUZZ_CC ?= clang
PKG_CONFIG ?= pkg-config
PKGS := libfyaml jansson zlib libzstd libseccomp libcap
# loaded when first used (storage/curl-load.c, archive-load.c, util/digest.c), not linked: headers only
LAZY_PKGS := libcurl libarchive libcrypto

BUILD ?= build/release
# make V=1 shows the compiler's command lines
Q := $(if $(V),,@)
OPT ?= -O2 -g
SAN ?=
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) $(LAZY_PKGS) 2>/dev/null)
# The libraries above are linked in (libc stays shared): each berth command
# starts about 1 ms sooner (no relocations across six libraries, fewer pages
# to fault in, and to copy at each fork of a container's monitor).
# STATIC_LIBS=0 links them as shared libraries, as a distribution may want.
STATIC_LIBS ?= 1
ifeq ($(STATIC_LIBS),0)
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
else
PKG_LIBS = -Wl,-Bstatic $(filter-out -pthread,$(shell $(PKG_CONFIG) --libs --static $(PKGS) \
	2>/dev/null)) -Wl,-Bdynamic -pthread
endif

WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-unused-parameter -Wvla
BERTH_CFLAGS = -std=gnu11 $(OPT) $(SAN) $(WARN) -D_GNU_SOURCE -DBERTH_VERSION='"$(VERSION)"' \
	-DBERTH_LIBEXECDIR='"$(LIBEXECDIR)/berth"' -I. -MMD -MP $(PKG_CFLAGS) $(CFLAGS)
BERTH_LDFLAGS = $(SAN) $(LDFLAGS)
BERTH_LIBS = $(PKG_LIBS) $(LIBS)

MODULES := util kube reconcile runtime storage
LIB_SRC := $(sort $(wildcard $(addsuffix /*.c,$(MODULES))))
CMD_SRC := $(sort $(wildcard cmd/*.c))
MONITOR_SRC := $(sort $(wildcard monitor/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/*/test-*.c))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz-*.c))

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CMD_OBJ := $(CMD_SRC:%.c=$(BUILD)/%.o)
MONITOR_OBJ := $(MONITOR_SRC:%.c=$(BUILD)/%.o)
LIB_A := $(BUILD)/libberth.a
UNIT_BIN := $(UNIT_SRC:%.c=$(BUILD)/%)
REPLAY_BIN := $(FUZZ_SRC:tests/fuzz/fuzz-%.c=$(BUILD)/tests/fuzz/replay-%)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
MAN_SRC := $(wildcard man/*.scd)
MAN_PAGES := $(MAN_SRC:.scd=)

ifeq ($(BUILD),build/release)
BERTH_BIN := berth
MONITOR_BIN := berth-monitor
PAUSE_BIN := berth-pause
else
BERTH_BIN := $(BUILD)/berth
MONITOR_BIN := $(BUILD)/berth-monitor
PAUSE_BIN := $(BUILD)/berth-pause
endif
LIBEXECDIR ?= $(PREFIX)/libexec
# the monitor stays with every container: static, libc only, so it stays small
# (sanitizers cannot link statically)
MONITOR_LDFLAGS := $(if $(SAN),,-static)
# musl-gcc builds them when there is one (scripts/deps installs musl-tools), except
# under sanitizers; the monitor takes these of libberth.a's sources with it
MUSL_CC ?= $(shell command -v musl-gcc 2>/dev/null)
HELPER_CC := $(if $(SAN),,$(MUSL_CC))
HELPER_CFLAGS = -std=gnu11 $(OPT) $(WARN) -D_GNU_SOURCE -I. -MMD -MP $(CFLAGS)
MONITOR_LIB_SRC := runtime/crilog.c runtime/probe.c runtime/probe-grpc.c runtime/probe-sched.c \
	runtime/backoff.c util/berr.c util/utf8.c
HELPER_MONITOR_OBJ := $(addprefix $(BUILD)/musl/,$(MONITOR_SRC:.c=.o) $(MONITOR_LIB_SRC:.c=.o))

.PHONY: all deps check check-only asan fuzz fuzz-run demo man install clean lint format bench

all: $(BERTH_BIN) $(MONITOR_BIN) $(PAUSE_BIN)

$(BERTH_BIN): $(CMD_OBJ) $(LIB_A)
	@echo "  LINK    $@"
	$(Q)$(CC) $(BERTH_LDFLAGS) -o $@ $(CMD_OBJ) $(LIB_A) $(BERTH_LIBS)

ifeq ($(HELPER_CC),)
$(MONITOR_BIN): $(MONITOR_OBJ) $(LIB_A)
	@echo "  LINK    $@"
	$(Q)$(CC) $(BERTH_LDFLAGS) $(MONITOR_LDFLAGS) -o $@ $(MONITOR_OBJ) $(LIB_A)

# a pod's sandbox process: static, libc only (it lives as long as the pod)
$(PAUSE_BIN): $(BUILD)/pause/berth-pause.o
	@echo "  LINK    $@"
	$(Q)$(CC) $(BERTH_LDFLAGS) $(MONITOR_LDFLAGS) -o $@ $<
else
# with musl: the monitor and the sandbox take tens of KiB each instead of hundreds
$(MONITOR_BIN): $(HELPER_MONITOR_OBJ)
	@echo "  LINK    $@ (musl)"
	$(Q)$(HELPER_CC) -static -o $@ $^

$(PAUSE_BIN): $(BUILD)/musl/pause/berth-pause.o
	@echo "  LINK    $@ (musl)"
	$(Q)$(HELPER_CC) -static -o $@ $<

$(BUILD)/musl/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (musl)"
	$(Q)$(HELPER_CC) $(HELPER_CFLAGS) -c -o $@ $<
endif

$(LIB_A): $(LIB_OBJ)
	@rm -f $@
	$(Q)$(AR) rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(BERTH_CFLAGS) -c -o $@ $<

$(BUILD)/tests/unit/%: tests/unit/%.c $(LIB_A)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(BERTH_CFLAGS) $(BERTH_LDFLAGS) -Itests -o $@ $< $(LIB_A) $(BERTH_LIBS)

# The fuzz targets, built with a plain main() that replays files: make check
# runs every corpus through them without needing clang.
$(BUILD)/tests/fuzz/replay-%: tests/fuzz/fuzz-%.c tests/fuzz/replay.c $(LIB_A)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(BERTH_CFLAGS) $(BERTH_LDFLAGS) -o $@ $< tests/fuzz/replay.c $(LIB_A) $(BERTH_LIBS)

deps:
	@scripts/deps

# make check: install what the tests need, build, run every test.
check: deps
	@$(MAKE) --no-print-directory check-only

check-only: all $(UNIT_BIN) $(REPLAY_BIN)
	@BERTH=$(abspath $(BERTH_BIN)) UNIT_DIR=$(BUILD)/tests/unit FUZZ_DIR=$(BUILD)/tests/fuzz \
		tests/run

asan: deps
	@LSAN_OPTIONS=suppressions=$(abspath tests/fuzz/lsan.supp) \
		$(MAKE) --no-print-directory BUILD=build/asan OPT='-O1 -g -fno-omit-frame-pointer' \
		SAN='-fsanitize=address,undefined -fno-sanitize-recover=all' check-only

# libFuzzer targets (clang), one per parser of outside input.
fuzz: $(FUZZ_BIN)

build/fuzz/%: tests/fuzz/%.c $(LIB_SRC)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=gnu11 -O1 -g -D_GNU_SOURCE -DBERTH_VERSION='"$(VERSION)"' -I. $(PKG_CFLAGS) \
		-fsanitize=fuzzer,address,undefined -o $@ $< $(LIB_SRC) $(BERTH_LIBS)

# make fuzz-run FUZZ_SECONDS=600: run every target, seeded from its corpus.
FUZZ_SECONDS ?= 60
fuzz-run: fuzz
	@for f in $(FUZZ_BIN); do n=$${f##*/fuzz-}; mkdir -p tests/fuzz/corpus/$$n build/fuzz/out-$$n; \
		LSAN_OPTIONS=suppressions=$(abspath tests/fuzz/lsan.supp) \
		$$f -max_total_time=$(FUZZ_SECONDS) -timeout=10 -print_final_stats=1 build/fuzz/out-$$n \
		tests/fuzz/corpus/$$n || exit 1; done

demo: deps all
	@scripts/demo

man: $(MAN_PAGES)

man/%: man/%.scd
	scdoc < $< > $@

install: all man
	install -D -m 0755 berth $(DESTDIR)$(BINDIR)/berth
	install -D -m 0755 berth-monitor $(DESTDIR)$(LIBEXECDIR)/berth/berth-monitor
	install -D -m 0755 berth-pause $(DESTDIR)$(LIBEXECDIR)/berth/berth-pause
	for m in $(MAN_PAGES); do install -D -m 0644 $$m $(DESTDIR)$(MANDIR)/man1/$${m##*/}; done
	install -D -m 0644 completion/berth.bash $(DESTDIR)$(COMPLETIONDIR)/berth

bench: all
	bench/kube-validate.sh

format:
	clang-format -i $(LIB_SRC) $(CMD_SRC) $(wildcard */*.h tests/*.h tests/unit/*/*.c tests/fuzz/*.c bench/*.c)

lint:
	@scripts/lint

clean:
	rm -rf build berth berth-monitor berth-pause $(MAN_PAGES)

-include $(LIB_OBJ:.o=.d) $(CMD_OBJ:.o=.d) $(MONITOR_OBJ:.o=.d) $(BUILD)/pause/berth-pause.d \
	$(HELPER_MONITOR_OBJ:.o=.d) $(BUILD)/musl/pause/berth-pause.d
