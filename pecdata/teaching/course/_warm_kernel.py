"""Stand-in kernel process for :mod:`pecdata.teaching.course.warm` (standard library only).

``python -I -S _warm_kernel.py SOCKET -f CONNECTION_FILE``: asks the template process
listening on SOCKET for a kernel with this process's working folder, environment,
memory limit and standard streams, forwards signals to it, and exits when it ends.
"""

import json
import os
import resource
import select
import signal
import socket
import sys


def main() -> int:
    path, argv = sys.argv[1], sys.argv[2:]
    if len(argv) == 2 and argv[0] == "-f":
        argv = ["-f", os.path.abspath(argv[1])]
    request = {
        "argv": argv,
        "cwd": os.getcwd(),
        "env": dict(os.environ),
        "rlimit_as": list(resource.getrlimit(resource.RLIMIT_AS)),
        "client": os.getpid(),
    }
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as conn:
        conn.connect(path)
        socket.send_fds(conn, [json.dumps(request).encode()], [0, 1, 2])
        answer = json.loads(conn.recv(1 << 16) or b"{}")
    pid = answer.get("pid")
    if not pid:
        print(f"no kernel from the template: {answer.get('error', 'no answer')}", file=sys.stderr)
        return 1
    pid_file = os.environ.get("PECDATA_KERNEL_PID_FILE")
    if pid_file:
        with open(pid_file, "w") as f:
            f.write(str(pid))
    try:
        kernel = os.pidfd_open(pid)
    except ProcessLookupError:
        return 1

    def forward(signum, _frame):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(signum, forward)
    while not select.select([kernel], [], [])[0]:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
