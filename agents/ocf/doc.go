// Package ocf is the OCF resource agent runtime (OCF RA API 1.1 as Pacemaker 2.1 uses it). An
// agent is a declaration (Agent: parameters, handlers, advertised timeouts); the runtime does the
// rest: action dispatch, OCF_RESKEY_* parsing and type checks, probe and depth detection, the
// handler's deadline, exit codes and exit reasons, logging with a flight recorder, tracing,
// meta-data and validate-all.
//
// # Actions
//
// argv[1] names the action: start, stop, monitor, meta-data, validate-all, and when declared
// reload-agent (with "reload", its pre-1.1 name, as an alias), promote, demote, notify,
// migrate_to, migrate_from. usage and help print the usage; manpage (no OCF action: the build
// runs it) prints the agent's ocf_flock_<type>(7) page, rendered from the same declaration. Anything else, or nothing, prints
// the usage on stderr and exits 3 (OCF_ERR_UNIMPLEMENTED), as SPEC11 and ocft expect; a
// recurring monitor of an undeclared action is therefore "not supported", never a failure.
// There is no "status" alias: OCF 1.1 has no status action, Pacemaker never calls it for OCF
// agents and pcs drops it, so accepting it would only add a second spelling of monitor.
//
// # Parameters that do not check
//
// A parameter of the wrong type, out of range or missing while required makes every action exit
// 6 (OCF_ERR_CONFIGURED) with an exit reason naming the parameter — never the value of a Secret
// one — except on stop and on probes, where 6 would do harm:
//
//   - After a start fails with 6, Pacemaker stops the resource on that node. A stop that fails
//     gets the node fenced; fencing wipes the node's history and with it the fatal-error ban, so
//     the resource moves to the next node and the same typo fences that one too (checked with
//     crm_simulate on Pacemaker 2.1.5). A probe answering 6 is worse: the resource counts as
//     active (failed) on every node at once.
//   - Pacemaker stops a resource with the parameters of its last successful start, reload or
//     probe on that node, not with the current configuration (controld_execd.c, construct_op:
//     "so that we stop the resource with the old attributes, not the new ones"). Parameters this
//     agent rejects could not have started anything through it, so a stop receiving them is, in
//     practice, the clean-up after a start that failed on them.
//
// So by default a stop with parameters that do not check succeeds and a probe reports 7 (not
// running), both logged: ocf-rarun's handle_invalid_env semantics. What that leaves uncovered is
// a resource that really is active although its parameters no longer check: started by an
// earlier build of the agent with looser checks, or outside Pacemaker, or after the controller
// lost its cache of stop parameters. An agent that can tell closes the gap with
// Actions.Unconfigured: it gets the parameters that did check and either confirms that nothing of
// this instance is active (the stop succeeds, the probe reports 7) or returns an error, which the
// stop or probe then reports. Every agent that manages something real should have one.
//
// The same holds when a stop or probe handler itself returns ErrConfigured (the agent's own
// checks across parameters): the runtime then answers as above, so no agent needs to route its
// cross-checks to Unconfigured by hand, and none can forget to.
//
// validate-all always reports parameters that do not check (6): it is a question about the
// configuration, not about the node.
//
// # Deadlines
//
// Pacemaker SIGKILLs the agent's whole process group when OCF_RESKEY_CRM_meta_timeout (ms)
// expires, with no SIGTERM first. Request.Ctx therefore ends a margin earlier — 10% of the
// timeout, at least 2s and at most half — and a handler that overruns it is abandoned after half
// the margin more, so the action always ends with exit 1 and a reason saying it timed out. With
// no timeout in the environment (a run by hand) the budget is the action's advertised timeout.
//
// # Exit reasons and logging
//
// The exit reason is printed last on stderr as ${OCF_EXIT_REASON_PREFIX:-ocf-exit-reason:} and
// one line of at most 128 bytes (Pacemaker keeps no more), cut with "…", secrets redacted. It is
// also logged at error. Logging follows ocf-shellfuncs: the tag is <type>(<instance>)[pid];
// syslog with HA_LOGFACILITY ("none" or unset: no syslog); HA_LOGFILE and HA_DEBUGLOG appended
// to; stderr when it is a terminal or when no syslog facility and no log file are set (a run by
// hand, by ocf-tester or by crm_resource). HA_debug=1 writes debug lines at once; otherwise they
// wait in the flight recorder and are written out only when the action fails (any code but 0,
// and for monitor also 7, 8, 190 and 191).
//
// Tracing (OCF_TRACE_RA, or the trace_ra parameter pcs offers for every agent; destination
// OCF_TRACE_FILE or trace_file, else $HA_VARLIB/trace_ra/<type>/<instance>.<action>.<timestamp>)
// writes the invocation, its environment and every debug line at once to the trace destination
// only. trace_ra, trace_file and trace_dir are accepted without being declared; they are not in
// the meta-data, since pcs adds them itself.
//
// # Meta-data and validators
//
// Meta-data is OCF 1.1 (<version>1.1</version>, unique-group, reloadable, select, reload-agent)
// and validates against the official OCF 1.1 RNG and pcs's ocf-1.1.rng; meta-data and
// validate-all at depth 0 need no root, device, network or writable path. It cannot validate
// against resource-agents' ra-api-1.dtd, which ocf-tester checks with xmllint --valid (no
// reloadable, unique-group, select or reload-agent there, and no DOCTYPE line in 1.1
// meta-data), nor against resource-agents' build-time metadata.rng (no reloadable). Pacemaker's
// own ocf:pacemaker:Dummy fails the same check. ocf-tester only counts that as one failed test
// and carries on, so our test asserts that it is the only failure, and also runs ocf-tester with
// its lint pointed at the OCF 1.1 RNG, which must pass outright.
//
// Secret parameters are not marked private="1" in meta-data: pcs 0.11's RNG rejects the
// attribute. Pacemaker then treats parameters named password, passwd or user as private, so
// secrets are best named so.
package ocf
