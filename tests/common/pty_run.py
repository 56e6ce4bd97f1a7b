"""Run a command on a pseudo-terminal and save everything it printed.

    python3 pty_run.py OUTFILE COMMAND [ARGS...]

stdin, stdout and stderr of COMMAND are the terminal (200 columns), so a
progress display draws as on a user's screen. Exits with COMMAND's code.
"""

import fcntl
import os
import struct
import subprocess
import sys
import termios

out_path, cmd = sys.argv[1], sys.argv[2:]
master, slave = os.openpty()
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
os.close(slave)
data = bytearray()
while True:
    try:
        chunk = os.read(master, 65536)
    except OSError:  # EIO: the last writer closed the terminal
        break
    if not chunk:
        break
    data += chunk
code = proc.wait()
with open(out_path, "wb") as f:
    f.write(data)
sys.exit(code)
