package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/isard-vdi/flock-agents/lib/dm"
	"github.com/isard-vdi/flock-agents/lib/sysio"
)

// Whether a cache's log belongs to now. Every start draws a new epoch and records it twice:
// in the cluster (the ledger, a permanent Pacemaker attribute) before the device can take a
// write, and on the cache (dm.WriteEpoch, beside the superblock) together with the epoch it
// replaced. A log may be replayed only when the cache's record names the epoch the ledger
// holds, or the one before it (a start that recorded its new epoch on the cache but died
// before the ledger took it never ran the device). Anything else means the resource started
// since with another cache, or a required zeroing did not happen (stop then moves the ledger
// on), and the log's blocks may be older than backing_dev: see stale_log.
//
// The ledger's scope follows what backing_dev is. A clone instance (CRM_meta_clone set) is a
// node-local cache below replication: each node's backing_dev is its own, so the epoch is a
// node attribute, and a node that was fenced finds its own epoch there and replays. Otherwise
// the resource moves with a shared or replicated backing_dev: the epoch is cluster-wide
// (crm_config, in a property set of its own), and a start anywhere else makes this cache's
// log stale. Permanent, not transient: transient node attributes are wiped when a node leaves,
// which is exactly when the record is needed.

// errNoCluster says crm_attribute is not installed: this node runs no Pacemaker, so no other
// node can have started the resource, and the cache's own record is all the evidence.
var errNoCluster = errors.New("crm_attribute is not installed")

// epochSet is the crm_config property set that holds the cluster-wide epochs.
const epochSet = "flock-writeboost"

// ledgerArgs are crm_attribute's arguments that name this resource's epoch.
func (w *wb) ledgerArgs() []string {
	args := []string{"crm_attribute", "--name", "flock-writeboost-epoch-" + w.c.name}
	if w.r.P.Getenv("OCF_RESKEY_CRM_meta_clone") == "" {
		return append(args, "--type", "crm_config", "--set-name", epochSet)
	}
	args = append(args, "--lifetime", "forever")
	if node := w.r.P.Getenv("OCF_RESKEY_CRM_meta_on_node"); node != "" {
		args = append(args, "--node", node)
	}
	return args
}

// crmAttribute runs crm_attribute; CIB_file (Pacemaker's way to work on a CIB in a file) is
// passed on when set.
func (w *wb) crmAttribute(args ...string) (sysio.CmdResult, error) {
	c := sysio.Cmd{Argv: append(w.ledgerArgs(), args...)}
	if f, ok := w.r.P.LookupEnv("CIB_file"); ok {
		c.Env = []string{"CIB_file=" + f}
	}
	res, err := w.r.P.Exec.Run(w.r.Ctx, c)
	if errors.Is(err, sysio.ErrNotFound) {
		return res, errNoCluster
	}
	return res, err
}

// readLedger returns the ledger's epoch, "" when none was ever recorded.
func (w *wb) readLedger() (string, error) {
	res, err := w.crmAttribute("--query", "--quiet")
	stderr := strings.TrimSpace(string(res.Stderr))
	switch {
	case err != nil:
		return "", err
	case res.ExitCode == 105 && strings.Contains(stderr, "Error performing operation") && !strings.Contains(stderr, "Could not"):
		return "", nil // CRM_EX_NOSUCH for the attribute itself, not for the CIB or the node
	case res.ExitCode != 0:
		return "", fmt.Errorf("crm_attribute --query: exit %d: %s", res.ExitCode, oneLine(stderr))
	}
	e := strings.TrimSpace(string(res.Stdout))
	if !dm.ValidEpoch(e) {
		return "", fmt.Errorf("crm_attribute --query: %q is not an epoch", e)
	}
	return e, nil
}

// writeLedger records epoch in the cluster.
func (w *wb) writeLedger(epoch string) error {
	res, err := w.crmAttribute("--update", epoch)
	switch {
	case err != nil:
		return err
	case res.ExitCode != 0:
		return fmt.Errorf("crm_attribute --update: exit %d: %s", res.ExitCode, oneLine(string(res.Stderr)))
	}
	return nil
}

// newEpoch draws an epoch from the kernel (a random UUID), through the seam so that a tape
// replays it.
func (w *wb) newEpoch() (string, error) {
	b, err := w.r.P.Files.ReadFile("/proc/sys/kernel/random/uuid")
	e := strings.TrimSpace(string(b))
	if err == nil && !dm.ValidEpoch(e) {
		err = fmt.Errorf("%q is not a UUID", e)
	}
	if err != nil {
		return "", fmt.Errorf("drawing an epoch: %w", err)
	}
	return e, nil
}

// current says whether a cache whose record is rec holds a log of now, given the ledger's
// epoch (ledgerErr errNoCluster: no ledger on this node).
func current(rec dm.Epoch, ledger string, ledgerErr error) bool {
	switch {
	case rec.Current == "":
		return false // no record: written before epochs, by hand, or a torn write
	case errors.Is(ledgerErr, errNoCluster):
		return true
	}
	return ledger != "" && (rec.Current == ledger || rec.Prev == ledger)
}

// retire moves the ledger on to an epoch no cache records, so that the log of the cache just
// flushed is stale for the next start even if its superblock cannot be zeroed.
func (w *wb) retire() error {
	e, err := w.newEpoch()
	if err == nil {
		err = w.writeLedger(e)
	}
	if err == nil {
		w.r.Log.Debugf("the cluster's epoch for %s is %s now: no cache's log is current", w.c.name, e)
	}
	return err
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
