// Package dm talks to the kernel's device-mapper through dmsetup(8), and knows the
// dm-writeboost target: its table line, its status fields, its messages and the superblock
// that decides whether creating a device formats the cache or replays its log.
//
// Everything goes through lib/sysio, so a run can be recorded and replayed. Facts about
// dm-writeboost come from its sources (dm-writeboost 2.2.17/2.2.18: writeboost_ctr,
// writeboost_status, writeboost_message, audit_cache_device), and are cited where used.
package dm
