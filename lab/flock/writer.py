#!/usr/bin/python3
"""The client's writer: numbered records, each fsync'd, under a POSIX lock.

usage: writer.py FILE ACKS STOP [PAUSE]

Holds an exclusive POSIX (fcntl) lock on FILE for its whole life, then appends records
"%010d\\n" numbered from 1, each written and fsync'd before the next. Only after fsync
returns is "N MILLIS" (N acknowledged at the client's clock) appended to ACKS, so ACKS is
exactly what the server promised. Pauses PAUSE seconds between records (0: as fast as it
can, the write burst). Ends when the file STOP exists. Any error is fatal: it is written to
ACKS as "error ..." and the writer exits 1, which the checks see.
"""
import fcntl
import os
import sys
import time


def main():
    path, acks, stop = sys.argv[1:4]
    pause = float(sys.argv[4]) if len(sys.argv) > 4 else 0.1
    with open(acks, "a", buffering=1) as log:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            fcntl.lockf(fd, fcntl.LOCK_EX)
            log.write("locked %d\n" % (time.time() * 1000))
            n = 0
            while not os.path.exists(stop):
                n += 1
                rec = b"%010d\n" % n
                if os.write(fd, rec) != len(rec):
                    raise OSError("short write of record %d" % n)
                os.fsync(fd)
                log.write("%d %d\n" % (n, time.time() * 1000))
                if pause:
                    time.sleep(pause)
            os.close(fd)
            log.write("stopped %d\n" % n)
        except OSError as e:
            log.write("error %d %s\n" % (time.time() * 1000, e))
            sys.exit(1)


if __name__ == "__main__":
    main()
