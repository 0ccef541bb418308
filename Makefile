# flock agents: Pacemaker fence and resource agents for Isard Flock.
SHELL   := /bin/bash
# A pipeline fails if any command in it does (an agent that prints the golden text, then fails).
.SHELLFLAGS := -o pipefail -c
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
PREFIX  ?= /usr
DESTDIR ?=
BIN     := bin
LDFLAGS := -s -w -X main.version=$(VERSION)
GOBUILD := CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)'

# binary name -> package directory; OCF agents install under resource.d/flock/<type>.
FENCE   := fence_espurna
OCF     := $(notdir $(wildcard ocf-writeboost ocf-flock-nfs ocf-isard))
BINS    := $(BIN)/fence_espurna $(BIN)/flock-sim $(addprefix $(BIN)/,$(OCF))

.PHONY: all build man install uninstall test check deps vet fuzz replay metadata metadata-check demo bench bench-doc clean lab-up lab-down e2e e2e-kernel e2e-writeboost pkgroot deb rpm deb-check e2e-nfs e2e-isard e2e-flock timeline-example flock-check-test

all: build

build: $(BINS)

$(BIN)/fence_espurna: FORCE
	$(GOBUILD) -o $@ ./fence-espurna
$(BIN)/flock-sim: FORCE
	$(GOBUILD) -o $@ ./simulator
$(BIN)/ocf-%: FORCE
	$(GOBUILD) -o $@ ./ocf-$*
FORCE:

# Man pages, rendered by the binaries from the declarations their meta-data and options come
# from: fence_espurna(8), ocf_flock_<type>(7) for each OCF agent, flock-sim(1). A command that
# fails or prints nothing fails the target; a loop exits on it, its status being its last one's.
MAN     := $(BIN)/man
man: build
	@mkdir -p $(MAN)
	$(BIN)/fence_espurna -o manpage > $(MAN)/fence_espurna.8 && test -s $(MAN)/fence_espurna.8
	$(BIN)/flock-sim manpage > $(MAN)/flock-sim.1 && test -s $(MAN)/flock-sim.1
	@for a in $(OCF); do t=$${a#ocf-}; t=$${t#flock-}; p=$(MAN)/ocf_flock_$$t.7; echo "$(BIN)/$$a manpage > $$p"; \
	  $(BIN)/$$a manpage > $$p && test -s $$p || { echo "man: $$p: $$a failed or printed nothing"; exit 1; }; done

install: build man
	install -D -m 0755 $(BIN)/fence_espurna $(DESTDIR)$(PREFIX)/sbin/fence_espurna
	install -D -m 0755 $(BIN)/flock-sim $(DESTDIR)$(PREFIX)/bin/flock-sim
	install -D -m 0644 $(MAN)/fence_espurna.8 $(DESTDIR)$(PREFIX)/share/man/man8/fence_espurna.8
	install -D -m 0644 $(MAN)/flock-sim.1 $(DESTDIR)$(PREFIX)/share/man/man1/flock-sim.1
	@for a in $(OCF); do t=$${a#ocf-}; t=$${t#flock-}; \
	  install -D -m 0755 $(BIN)/$$a $(DESTDIR)$(PREFIX)/lib/ocf/resource.d/flock/$$t || exit 1; \
	  install -D -m 0644 $(MAN)/ocf_flock_$$t.7 $(DESTDIR)$(PREFIX)/share/man/man7/ocf_flock_$$t.7 || exit 1; done

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/fence_espurna $(DESTDIR)$(PREFIX)/bin/flock-sim \
	  $(DESTDIR)$(PREFIX)/share/man/man8/fence_espurna.8 $(DESTDIR)$(PREFIX)/share/man/man1/flock-sim.1 \
	  $(DESTDIR)$(PREFIX)/share/man/man7/ocf_flock_*.7
	rm -rf $(DESTDIR)$(PREFIX)/lib/ocf/resource.d/flock

# The Debian package (and an RPM from the same declaration, packaging/nfpm.yaml), built by
# nfpm through the Go module proxy. The version comes from git (packaging/version.sh) and is
# stamped into the binaries too; every file carries the commit's time, so the same commit makes
# the same package. packaging/stage.sh lays out the package's tree.
NFPM       := $(GO) run github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.45.2
PKGVERSION  = $(shell packaging/version.sh)
MAINTAINER ?= $(shell git log -1 --format='%an <%ae>')
PKGROOT    := $(BIN)/pkgroot
pkgroot:
	@rm -rf $(PKGROOT)
	$(MAKE) --no-print-directory install DESTDIR=$(PKGROOT) PREFIX=/usr VERSION=$(PKGVERSION)
	packaging/stage.sh $(PKGROOT) $(PKGVERSION) "$(MAINTAINER)"
deb rpm: pkgroot
	rm -f $(BIN)/flock-agents*.$@
	PKGVERSION=$(PKGVERSION) MAINTAINER="$(MAINTAINER)" SOURCE_DATE_EPOCH=$$(git log -1 --format=%ct) \
	  $(NFPM) package --config packaging/nfpm.yaml --packager $@ --target $(BIN)/

# The package as an administrator meets it (root, the host lab lock): lintian, dpkg -i, pcs and
# man read what it installed, dpkg -r and -P leave nothing behind; the RPM is queried with rpm.
deb-check: deps deb rpm
	flock /var/lock/flock-lab-host.lock packaging/deb-check.sh $(BIN)

# Debian packages the tests talk to (Pacemaker, pcs, fence-agents, mosquitto, schemas, docker).
deps:
	lab/deps.sh

# No file list (no git checkout) must not pass as gofmt reading an empty stdin; gofmt failing
# (a file it cannot parse or read) fails too, after the misformatted files it did name.
vet:
	@files=$$(git ls-files '*.go') && [ -n "$$files" ] || { echo "vet: git ls-files listed no Go files"; exit 1; }; \
	bad=$$(gofmt -l $$files); st=$$?; if [ -n "$$bad" ]; then echo "gofmt: $$bad"; fi; [ $$st = 0 ] && [ -z "$$bad" ]
	$(GO) vet ./...

test: build flock-check-test
	$(GO) test -count=1 ./...

# The flock tier's checks (lab/flock/check.py) on synthetic logs: no lab, about a second.
flock-check-test:
	python3 lab/flock/check_test.py

# A short run of every fuzz target: they must never panic. A failure shows the fuzzer's output
# and fails the target, but for the engine's own flake (go.dev/issue/75804): on a loaded machine
# a worker still busy when -fuzztime ends fails it with "context deadline exceeded" and nothing
# else. Only that gets one more run; a crash, a hung or killed worker, or an input that could not
# be written never does. The lists are made outside the loops, so go failing to make them fails.
FUZZTIME ?= 10s
# Every line the flake's output may have: progress, the deadline, go test's framing.
FUZZ_FLAKE := (fuzz: elapsed: .*|warning: starting with empty corpus|--- FAIL: Fuzz[[:alnum:]_]* \([0-9.]+s\)|[[:space:]]*context deadline exceeded|FAIL|exit status 1|FAIL[[:space:]]+[^[:space:]]+[[:space:]]+[0-9.]+s|)
fuzz:
	@set -e; log=$$(mktemp); trap 'rm -f $$log' EXIT; pkgs=$$($(GO) list ./...); \
	for pkg in $$pkgs; do fs=$$($(GO) test -list '^Fuzz' $$pkg); \
	  for f in $$(grep '^Fuzz' <<<"$$fs" || true); do \
	    echo "fuzz $$pkg $$f"; run="$(GO) test -run=XXX -fuzz=^$$f$$ -fuzztime=$(FUZZTIME) $$pkg"; \
	    $$run > $$log 2>&1 && continue; cat $$log; \
	    if ! grep -Eqx '[[:space:]]*context deadline exceeded' $$log || grep -Evqx '$(FUZZ_FLAKE)' $$log; then \
	      echo "fuzz $$f: failed, and not only with the engine's deadline flake: no retry"; exit 1; fi; \
	    echo "fuzz $$f: its only failure is 'context deadline exceeded' at -fuzztime's end (go.dev/issue/75804), no input: once more"; \
	    $$run > $$log 2>&1 || { cat $$log; exit 1; }; \
	  done; done

# Replay the whole tape corpus through the real binaries.
replay: build
	$(BIN)/flock-sim replay --bin $(BIN) simulator/tapes

# The contract: golden meta-data of every agent.
metadata: build
	$(BIN)/fence_espurna -o metadata > metadata/fence_espurna.xml
	@for a in $(OCF); do t=$${a#ocf-}; t=$${t#flock-}; $(BIN)/$$a meta-data > metadata/$$t.xml || exit 1; done

metadata-check: build
	@$(BIN)/fence_espurna -o metadata | diff -u metadata/fence_espurna.xml - || \
	  { echo "metadata changed (or the agent failed): run 'make metadata' and commit"; exit 1; }
	@for a in $(OCF); do t=$${a#ocf-}; t=$${t#flock-}; $(BIN)/$$a meta-data | diff -u metadata/$$t.xml - || \
	  { echo "metadata changed (or the agent failed): run 'make metadata' and commit"; exit 1; }; done

# Everything CI runs: unit, replay and fuzz tests, then the lab's tiers (root), the whole flock
# (e2e-flock, about 16 minutes on 2 cores) last.
check: deps vet test metadata-check replay fuzz e2e e2e-isard e2e-kernel deb-check e2e-flock

# The lab (lab/README.md): real Pacemaker nodes in network namespaces, fenced by our agent.
NODES ?= 3
lab-up: deps install
	lab/cluster.sh up $(NODES)
lab-down:
	lab/cluster.sh down
e2e: deps build
	lab/e2e.sh
# Tier 2, dockerd: ocf:flock:isard against a private dockerd in its own network namespace, with
# compose v1 and v2 (lab/dock/README.md); lab/dock/record-isard-tapes.sh re-records its tapes.
e2e-isard: deps build
	lab/dock/e2e.sh
# Tier 3 (lab/kernel/README.md): a real Debian kernel under qemu, for dm-writeboost and nfsd.
e2e-kernel: build
	lab/kernel/e2e.sh
# Tier 4 (lab/flock/README.md): the whole flock, two nodes and a client under qemu, driven by Pacemaker.
e2e-flock: build
	lab/flock/deps.sh
	lab/flock/e2e.sh
# Redraw docs/flock-timeline.svg from the example run's logs kept in docs/flock-timeline/.
timeline-example:
	lab/flock/check.py timeline docs/flock-timeline 1-hung-primary $$(cat docs/flock-timeline/since) \
	  docs/flock-timeline/run/client/acks-steady docs/flock-timeline.txt docs/flock-timeline.svg
# Only the writeboost tests of tier 3 (writeboost-nofork: the monitor spawns nothing); lab/kernel/record-writeboost-tapes.sh re-records its tapes.
e2e-writeboost: build
	lab/kernel/e2e.sh writeboost writeboost-crash.host writeboost-stale.host writeboost-nofork.host

e2e-nfs: build
	lab/kernel/e2e.sh nfs-agent nfs-agent-foreign nfs-agent-crash.host

demo: deps build
	$(BIN)/flock-sim demo --agent $(BIN)/fence_espurna

# Whole-process figures against anchors measured in the same run (simulator/bench/figures.go),
# the Go benchmarks, and the guest's writeboost monitor; bench-doc writes docs/benchmarks.md.
bench: deps build
	$(GO) run ./simulator/bench -bin $(BIN)
	$(GO) test -run=XXX -bench=. -benchmem ./...
	lab/kernel/bench-writeboost.sh
	lab/kernel/bench-nfs.sh
	lab/dock/bench-isard.sh
bench-doc: deps build
	lab/bench-doc.sh

clean:
	rm -rf $(BIN)
