// Package compose drives a docker compose project: the compose CLI (v2 plugin or standalone, v1
// ≥ 1.28) through sysio exec for what only compose knows (the project's configuration, up,
// down, pull), and the Docker Engine API over its unix socket through sysio HTTP for what the
// daemon knows (containers by compose label, their state, health and logs, images), so that
// looking costs one request and no fork.
package compose
