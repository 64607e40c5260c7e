# qpipe: photon time-tag tools over one compressed event stream.
# `make demo` and `make check` set up what they need on Debian (see README).

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCDIR ?= $(PREFIX)/include/qpipe
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
DESTDIR ?=

CC ?= cc
CFLAGS ?= -O2 -g
# The one version number is QPIPE_VERSION in lib/stream/qev.h. The SONAME
# carries its major part, which rises with every incompatible change to the
# public API (the policy is in qev.h and qev(3)).
QPIPE_VERSION := $(shell sed -n 's/^\#define QPIPE_VERSION "\(.*\)"$$/\1/p' lib/stream/qev.h)
$(if $(QPIPE_VERSION),,$(error cannot read QPIPE_VERSION from lib/stream/qev.h))
QEV_MAJOR := $(firstword $(subst ., ,$(QPIPE_VERSION)))
BUILD ?= build
WARNINGS = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla
PKG_CFLAGS := $(shell pkg-config --cflags libzstd 2>/dev/null)
ZSTD_LIBS := $(shell pkg-config --libs libzstd 2>/dev/null || echo -lzstd)
PKG_LIBS := $(ZSTD_LIBS)
# libpng reads and writes PNG images (qssim).
PKG_CFLAGS += $(shell pkg-config --cflags libpng 2>/dev/null)
PKG_LIBS += $(shell pkg-config --libs libpng 2>/dev/null || echo -lpng)
# libhdf5 (Photon-HDF5): Debian installs the serial build under hdf5/serial.
HDF5_CFLAGS := $(shell pkg-config --cflags hdf5 2>/dev/null || \
                 pkg-config --cflags hdf5-serial 2>/dev/null || echo -I/usr/include/hdf5/serial)
HDF5_LIBS := $(shell pkg-config --libs hdf5 2>/dev/null || \
               pkg-config --libs hdf5-serial 2>/dev/null || echo -lhdf5_serial)
# The codec's byte-plane loops only vectorise under gcc's dynamic cost model.
VECTORIZE := $(shell $(CC) -fvect-cost-model=dynamic -E -x c /dev/null >/dev/null 2>&1 && \
               echo -fvect-cost-model=dynamic)
# The library by concern (lib/*/, each with a README): lib/stream and lib/io
# are the public libqev; the analyses are an internal static library; cli/ is
# the tools' plumbing, linked into the tools and never into libqev.
QEV_DIRS := lib/stream lib/io
ANALYSIS_DIRS := lib/corr lib/cal lib/recon lib/image lib/sim
LIB_INCLUDES := $(QEV_DIRS:%=-I%) $(ANALYSIS_DIRS:%=-I%)
TOOL_INCLUDES := $(LIB_INCLUDES) -Icli
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARNINGS) $(PKG_CFLAGS) $(HDF5_CFLAGS) $(VECTORIZE) $(CFLAGS)
LDLIBS = $(PKG_LIBS) $(HDF5_LIBS) -lcsv -lm
# What libqev needs besides libzstd (not libpng: images belong to the analyses).
QEV_PRIVATE_LIBS = $(HDF5_LIBS) -lcsv -lm

QEV_SRC := $(sort $(wildcard $(QEV_DIRS:%=%/*.c)))
ANALYSIS_SRC := $(sort $(wildcard $(ANALYSIS_DIRS:%=%/*.c)))
CLI_SRC := $(sort $(wildcard cli/*.c))
LIB_SRC := $(QEV_SRC) $(ANALYSIS_SRC)
QEV_OBJ := $(QEV_SRC:%.c=$(BUILD)/%.o)
ANALYSIS_OBJ := $(ANALYSIS_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
# A tool is cmd/NAME.c, or cmd/NAME/ with one file per subcommand.
TOOL_FILES := $(wildcard cmd/*.c)
TOOL_DIRS := $(patsubst %/,%,$(sort $(dir $(wildcard cmd/*/*.c))))
TOOLS := $(sort $(basename $(notdir $(TOOL_FILES))) $(notdir $(TOOL_DIRS)))
BINS := $(TOOLS:%=$(BUILD)/bin/%)
tool_objs = $(patsubst %.c,$(BUILD)/%.o,$(wildcard cmd/$(1).c cmd/$(1)/*.c))
# What a program links: the tools' plumbing, the analyses, then libqev.
TOOL_LIBS := $(BUILD)/libqcli.a $(BUILD)/libqpipe.a $(BUILD)/libqev.a
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNITS := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BENCH_SRC := $(sort $(wildcard bench/*.c))
BENCHES := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
# Fuzz harnesses (tests/fuzz), one per reader; fuzz_tagread.c serves every
# vendor format. Each builds with any compiler as a corpus replayer (part of
# `units`, so check and check-asan replay the seeds and regression inputs),
# and with clang as a libFuzzer target for `make fuzz`.
FUZZ_FORMATS := ptu pt2 pt3 ht2 ht3 t3r spc qutag raw raw16 phdf5 csv
FUZZ_OWN := $(filter-out tagread,$(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_HARNESSES := $(sort $(FUZZ_OWN) $(FUZZ_FORMATS))
FUZZ_REPLAYS := $(FUZZ_HARNESSES:%=$(BUILD)/fuzz/replay-%)
FUZZ_TARGETS := $(FUZZ_HARNESSES:%=$(BUILD)/fuzz/fuzz-%)
FUZZ_SECONDS ?= 60

.PHONY: all check check-asan check-slurm demo bench install uninstall clean deps-build deps-test \
  deps-bench units fuzz fuzzers compare-outputs check-tsan

all: $(BINS) $(BUILD)/libqev.a

# Header dependencies come from the compiler (-MMD -MP). Library objects do
# not see cli/, so no library file can include a CLI header.
DEPFLAGS = -MMD -MP
# libqev exports what its headers mark QEV_API and nothing else; the static
# archive's objects are built the same way, so both libraries agree.
QEV_VISIBILITY = -fvisibility=hidden
$(QEV_OBJ): LIB_VISIBILITY = $(QEV_VISIBILITY)
$(BUILD)/lib/%.o: lib/%.c | $(BUILD)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(LIB_INCLUDES) $(ALL_CFLAGS) $(LIB_VISIBILITY) $(DEPFLAGS) -c $< -o $@

$(BUILD)/%.o: %.c | $(BUILD)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(TOOL_INCLUDES) -Itests/unit -Itests/fuzz -Ibench $(ALL_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD):
	@mkdir -p $(BUILD)

$(BUILD)/libqev.a: $(QEV_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/libqpipe.a: $(ANALYSIS_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/libqcli.a: $(CLI_OBJ)
	rm -f $@
	ar rcs $@ $^

# The shared library is built from position-independent objects of its own;
# lib/libqev.map keeps every other symbol local.
LIB_PIC := $(QEV_SRC:%.c=$(BUILD)/pic/%.o)
SONAME := libqev.so.$(QEV_MAJOR)
SHLIB := libqev.so.$(QPIPE_VERSION)
$(BUILD)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(LIB_INCLUDES) $(ALL_CFLAGS) $(QEV_VISIBILITY) $(DEPFLAGS) -fPIC -c $< -o $@

$(BUILD)/$(SHLIB): $(LIB_PIC) lib/libqev.map
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=lib/libqev.map -Wl,-z,defs \
	  -o $@ $(LIB_PIC) $(LDFLAGS) $(ZSTD_LIBS) $(QEV_PRIVATE_LIBS)

# The public API: the stream, vendor reading, merging and filtering. Every
# header they include is public too; the rest of lib/ is internal.
PUBLIC_HEADERS := lib/stream/qev.h lib/io/tagread.h lib/stream/merge.h lib/stream/filter.h

# qpipe.pc names the install paths, so it is rebuilt when they change: the
# stamp holds their values and is rewritten only when they differ.
PC_PATHS := $(PREFIX) $(LIBDIR) $(INCDIR)
$(BUILD)/pc-paths: FORCE
	@mkdir -p $(dir $@)
	@[ "$$(cat $@ 2>/dev/null)" = '$(PC_PATHS)' ] || printf '%s\n' '$(PC_PATHS)' >$@

$(BUILD)/qpipe.pc: $(BUILD)/pc-paths lib/stream/qev.h Makefile
	printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$(LIBDIR)' 'includedir=$(INCDIR)' '' \
	  'Name: qpipe' 'Description: libqev, the QEV photon-event stream and vendor time-tag readers' \
	  'Version: $(QPIPE_VERSION)' 'Requires.private: libzstd' 'Cflags: -I$${includedir}' \
	  'Libs: -L$${libdir} -lqev' 'Libs.private: $(QEV_PRIVATE_LIBS)' >$@

.PHONY: FORCE
FORCE:

# Objects named only through pattern rules would count as intermediate and be
# deleted after each link, so the next make (an install after check-asan)
# would build them again with other flags: keep them.
PROGRAM_OBJ := $(foreach t,$(TOOLS),$(call tool_objs,$(t))) $(UNIT_SRC:%.c=$(BUILD)/%.o) \
  $(BENCH_SRC:%.c=$(BUILD)/%.o)
.SECONDARY: $(PROGRAM_OBJ)

.SECONDEXPANSION:
$(BUILD)/bin/%: $$(call tool_objs,%) $(TOOL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $(filter %.o,$^) $(TOOL_LIBS) $(LDFLAGS) $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(TOOL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(TOOL_LIBS) $(LDFLAGS) $(LDLIBS)

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(TOOL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(TOOL_LIBS) $(LDFLAGS) $(LDLIBS)

deps-build:
	@build-aux/deps build
deps-test:
	@build-aux/deps test
deps-bench:
	@build-aux/deps bench

# Everything: C unit tests and bats files; ends with "N passed, N failed".
check: deps-test
	@$(MAKE) --no-print-directory all units
	@BUILD=$(BUILD) tests/run

units: $(UNITS) $(FUZZ_REPLAYS)

# A harness compiles and links in one step; its header list goes beside it,
# hidden, so that the folder lists only programs.
PROGRAM_DEPFLAGS = $(DEPFLAGS) -MF $(dir $@).$(notdir $@).d -MT $@
$(FUZZ_FORMATS:%=$(BUILD)/fuzz/replay-%): $(BUILD)/fuzz/replay-%: tests/fuzz/fuzz_tagread.c \
  tests/fuzz/fuzz.h $(TOOL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(TOOL_INCLUDES) $(ALL_CFLAGS) $(PROGRAM_DEPFLAGS) -DFUZZ_FORMAT='"$*"' -o $@ $< $(TOOL_LIBS) $(LDFLAGS) $(LDLIBS)

$(BUILD)/fuzz/replay-%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(TOOL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(TOOL_INCLUDES) $(ALL_CFLAGS) $(PROGRAM_DEPFLAGS) -o $@ $< $(TOOL_LIBS) $(LDFLAGS) $(LDLIBS)

$(FUZZ_FORMATS:%=$(BUILD)/fuzz/fuzz-%): $(BUILD)/fuzz/fuzz-%: tests/fuzz/fuzz_tagread.c \
  tests/fuzz/fuzz.h $(TOOL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(TOOL_INCLUDES) $(ALL_CFLAGS) $(PROGRAM_DEPFLAGS) -DQPIPE_LIBFUZZER -DFUZZ_FORMAT='"$*"' -fsanitize=fuzzer -o $@ $< \
	  $(TOOL_LIBS) $(LDFLAGS) $(LDLIBS)

$(BUILD)/fuzz/fuzz-%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(TOOL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(TOOL_INCLUDES) $(ALL_CFLAGS) $(PROGRAM_DEPFLAGS) -DQPIPE_LIBFUZZER -fsanitize=fuzzer -o $@ $< $(TOOL_LIBS) \
	  $(LDFLAGS) $(LDLIBS)

fuzzers: $(FUZZ_TARGETS)

# Every libFuzzer harness for FUZZ_SECONDS (default 60) with its dictionary,
# built with clang under ASan and UBSan in build/libfuzzer; new inputs and
# crash files go to build/libfuzzer/fuzz/. FUZZ_PARALLEL=2 runs two at a time.
fuzz:
	@$(MAKE) --no-print-directory BUILD=build/libfuzzer CC=clang \
	  CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all" \
	  LDFLAGS="-fsanitize=address,undefined" fuzzers
	@BUILD=build/libfuzzer FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run $(FUZZ_HARNESSES)

# The same suite under AddressSanitizer and UBSan, built apart in build/asan.
check-asan: deps-test
	@$(MAKE) --no-print-directory BUILD=build/asan \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	  LDFLAGS="-fsanitize=address,undefined" all units
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  BUILD=build/asan tests/run

# The threads test (two readers and two writers at once, tests/unit/
# test_threads.c) under ThreadSanitizer, built apart in build/tsan with the
# libraries it links. A race report fails it. Ends with "N passed, N failed".
$(BUILD)/tests/test_threads $(BUILD)/tests/unit/test_threads.o: private ALL_CFLAGS += -pthread
TSAN_TEST = build/tsan/tests/test_threads
# Echoes TAP and closes with "N passed, N failed", failing when a test failed
# or none passed.
TAP_TOTAL = awk '{ print } /^ok .* \# skip/ { skipped++; next } /^ok / { passed++ } \
  /^not ok / { failed++ } END { if (skipped) print "(" skipped " skipped)"; \
  print passed + 0 " passed, " failed + 0 " failed"; exit (failed > 0 || passed == 0) }'

check-tsan: deps-build
	@$(MAKE) --no-print-directory BUILD=build/tsan \
	  CFLAGS="-O1 -g -fsanitize=thread -fno-omit-frame-pointer" LDFLAGS="-fsanitize=thread" $(TSAN_TEST)
	@{ TSAN_OPTIONS=halt_on_error=1 $(TSAN_TEST) 2>&1 || echo "not ok - test_threads exited with status $$?"; } | \
	  $(TAP_TOTAL)

# The scale-out examples (examples/slurm, examples/parallel) on GNU parallel
# and on a real single-node Slurm: tests/scaleout.bats with QPIPE_SLURM=1,
# which as root installs slurmctld, slurmd, slurm-client, munge and parallel.
# Too slow for check; .ci/run calls it. Ends with "N passed, N failed".
check-slurm: deps-test
	@$(MAKE) --no-print-directory all
	@QPIPE_SLURM=1 QPIPE_TOP=$(CURDIR) QPIPE_BIN=$(CURDIR)/$(BUILD)/bin \
	  bats --tap tests/scaleout.bats 2>&1 | \
	  $(TAP_TOTAL)

demo: deps-build all
	@BUILD=$(BUILD) examples/demo

bench: deps-bench all $(BENCHES)
	@BUILD=$(BUILD) bench/run

# Every tool's outputs against a previous build's, OLD=DIR its bin folder
# (build-aux/compare-outputs); ends with "N same, N different".
compare-outputs: all
	@[ -n "$(OLD)" ] || { echo "make compare-outputs needs OLD=DIR, the bin folder of a previous build" >&2; exit 2; }
	@build-aux/compare-outputs "$(OLD)" $(BUILD)/bin

# Every step of install and uninstall is checked: a missing page or a failed
# copy stops make with an error.
MAN_PAGES = $(foreach n,1 3 5 7,$(wildcard man/*.$(n)))
BASH_COMPLETIONS = $(wildcard completions/bash/*)
ZSH_COMPLETIONS = $(wildcard completions/zsh/_*)
install: all $(BUILD)/$(SHLIB) $(BUILD)/qpipe.pc
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR) \
	  $(DESTDIR)$(LIBDIR)/pkgconfig $(foreach n,1 3 5 7,$(DESTDIR)$(MANDIR)/man$(n)) \
	  $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)
	install -m 644 $(BUILD)/libqev.a $(DESTDIR)$(LIBDIR)
	install -m 755 $(BUILD)/$(SHLIB) $(DESTDIR)$(LIBDIR)
	ln -sf $(SHLIB) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libqev.so
	install -m 644 $(BUILD)/qpipe.pc $(DESTDIR)$(LIBDIR)/pkgconfig
	install -m 644 $(PUBLIC_HEADERS) $(DESTDIR)$(INCDIR)
	install -m 644 $(filter %.1,$(MAN_PAGES)) $(DESTDIR)$(MANDIR)/man1
	install -m 644 $(filter %.3,$(MAN_PAGES)) $(DESTDIR)$(MANDIR)/man3
	install -m 644 $(filter %.5,$(MAN_PAGES)) $(DESTDIR)$(MANDIR)/man5
	install -m 644 $(filter %.7,$(MAN_PAGES)) $(DESTDIR)$(MANDIR)/man7
	install -m 644 $(BASH_COMPLETIONS) $(DESTDIR)$(BASHCOMPDIR)
	install -m 644 $(ZSH_COMPLETIONS) $(DESTDIR)$(ZSHCOMPDIR)

uninstall:
	rm -f $(TOOLS:%=$(DESTDIR)$(BINDIR)/%) $(BASH_COMPLETIONS:completions/bash/%=$(DESTDIR)$(BASHCOMPDIR)/%) \
	  $(ZSH_COMPLETIONS:completions/zsh/%=$(DESTDIR)$(ZSHCOMPDIR)/%)
	rm -f $(foreach p,$(MAN_PAGES),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(p)))/$(notdir $(p)))
	rm -f $(DESTDIR)$(LIBDIR)/libqev.a $(DESTDIR)$(LIBDIR)/$(SHLIB) $(DESTDIR)$(LIBDIR)/$(SONAME) \
	  $(DESTDIR)$(LIBDIR)/libqev.so $(DESTDIR)$(LIBDIR)/pkgconfig/qpipe.pc
	rm -rf $(DESTDIR)$(INCDIR)

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
