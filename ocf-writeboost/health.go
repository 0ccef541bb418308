package main

import (
	"fmt"
	"path/filepath"

	"github.com/isard-vdi/flock-agents/lib/dm"
)

// sample is what a depth-10 monitor leaves for the next one, to tell whether writeback moved.
// It holds no time: the monitor interval is the time between two samples, and a tape of the
// monitor replays byte for byte.
type sample struct {
	dev                  string // the dm device's MAJ:MIN: another device is another history
	current, flushed, wb uint64 // segment ids
}

func (s sample) String() string {
	return fmt.Sprintf("dev %s current %d flushed %d writeback %d\n", s.dev, s.current, s.flushed, s.wb)
}

func parseSample(b []byte) (sample, bool) {
	var s sample
	_, err := fmt.Sscanf(string(b), "dev %s current %d flushed %d writeback %d\n", &s.dev, &s.current, &s.flushed, &s.wb)
	return s, err == nil
}

// healthFile is where samples are kept: HA_RSCTMP, which resource-agents empties at boot.
func (w *wb) healthFile() string {
	dir := w.r.P.Getenv("HA_RSCTMP")
	if dir == "" {
		dir = "/run/resource-agents"
	}
	return filepath.Join(dir, "writeboost-"+w.c.name+".health")
}

// resetHealth forgets the previous device's history at start. Without the directory there is
// no history to forget, and the stall check just stays off.
func (w *wb) resetHealth() {
	if err := w.r.P.Files.WriteFile(w.healthFile(), nil, 0o644); err != nil {
		w.r.Log.Debugf("health sample: %v", err)
	}
}

// health is what a depth-10 monitor adds: the dirty share over the limit, writeback that does
// not move although it should, and a backing device whose size changed under the table.
func (w *wb) health(i dm.Info, live dm.Table, st dm.Status, d devices) []string {
	var out []string
	if pct := st.DirtyPercent(); w.c.dirtyLimit < 100 && pct > float64(w.c.dirtyLimit) {
		out = append(out, fmt.Sprintf("%.0f%% of the cache is dirty (%d blocks, %s), over dirty_limit %d%%",
			pct, st.NrDirty, mib(st.NrDirty), w.c.dirtyLimit))
	}

	cur := sample{dev: i.Dev(), current: st.CurrentID, flushed: st.LastFlushedID, wb: st.LastWritebackID}
	b, rerr := w.r.P.Files.ReadFile(w.healthFile())
	prev, ok := parseSample(b)
	if err := w.r.P.Files.WriteFile(w.healthFile(), []byte(cur.String()), 0o644); err != nil || rerr != nil {
		w.r.Log.Debugf("health sample %s: read %v, write %v", w.healthFile(), rerr, err)
	}
	// Writeback runs when writeback_threshold allows it, or when the log has wrapped round
	// onto segments not yet written back (dm-writeboost's urge_writeback).
	expected := st.Tunables["writeback_threshold"] > 0 || st.PendingSegments()+1 >= st.NrSegments
	if ok && prev.dev == cur.dev && cur.current >= prev.current && expected &&
		prev.flushed > prev.wb && cur.flushed > cur.wb && cur.wb == prev.wb {
		out = append(out, fmt.Sprintf("writeback not progressing: segment %d still the last written back, %d segments (%d dirty blocks) waiting",
			cur.wb, st.PendingSegments(), st.NrDirty))
	}

	if d.backing.path != "" {
		if n, err := dm.Sectors(w.r.P.Files, d.backing.Major, d.backing.Minor); err == nil && n != live.Sectors {
			out = append(out, fmt.Sprintf("backing_dev now has %d sectors, the device maps %d: restart to use the new size", n, live.Sectors))
		}
	}
	return out
}
