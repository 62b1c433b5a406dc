#!/usr/bin/env python3
"""Stand in for systemd's notification socket (NOTIFY_SOCKET) in tests.

notify-listener.py SOCKET LOG [WATCH_PID]: bind a UNIX datagram socket at
SOCKET and append one JSON line per datagram to LOG: the sender's pid (from
its credentials, as systemd checks NotifyAccess=), the message, and
whether WATCH_PID (the old main process) was still alive when it came.  Like
systemd it closes the fds a sender passes, which completes an
sd_notify_barrier().  Prints READY on stdout once bound; runs until killed.
"""
import array
import json
import os
import socket
import struct
import sys

path, log = sys.argv[1], sys.argv[2]
watch = sys.argv[3] if len(sys.argv) > 3 else None


def alive(pid):
    """Running, not exited (a zombie has exited)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
sock.bind(path)
print("READY", flush=True)
ucred = struct.calcsize("3i")
with open(log, "a") as out:
    while True:
        msg, anc, _flags, _addr = sock.recvmsg(
            4096, socket.CMSG_SPACE(ucred) + socket.CMSG_SPACE(16 * 4))
        pid, fds = None, []
        for level, kind, data in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid = struct.unpack("3i", data[:ucred])[0]
            elif level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.extend(array.array("i", data[:len(data) - len(data) % 4]))
        for fd in fds:
            os.close(fd)
        entry = {"pid": pid, "message": msg.decode(errors="replace"), "fds": len(fds)}
        if watch:
            entry["watched_alive"] = alive(watch)
        out.write(json.dumps(entry) + "\n")
        out.flush()
