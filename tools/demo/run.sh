#!/bin/sh
# make run: what Alto is for, shown with a real program. On a terminal,
# busybox's shell runs in an Alto VM for you to use (exit or Ctrl-D ends the
# VM); otherwise tools/demo/tour.sh runs in one, as a one-shot script.
# Usage: tools/demo/run.sh ALTO [ALTO-RUN-OPTIONS...]
set -e
alto=$1
shift
here=$(dirname "$0")
busybox=$(command -v busybox || echo /bin/busybox)
if [ -t 0 ] && [ -t 1 ]; then
	cat <<-'BANNER'
	busybox's shell in an Alto VM: the static busybox from this host, run
	unmodified. Try: uname -a; ps; ls /proc/self; cat /proc/meminfo;
	echo $(seq 3) | wc -w; sleep 1 & wait. exit or Ctrl-D ends the VM
	(its status is the shell's); Ctrl-C goes to the program, Ctrl-A x stops QEMU.
	BANNER
	exec "$alto" run -e PS1='alto:$PWD# ' "$@" "$busybox" sh
fi
exec "$alto" run --add "$here/tour.sh:/tour.sh" "$@" "$busybox" sh /tour.sh
