# A tour of Alto for `make run` without a terminal: run by the host's
# busybox sh inside an Alto VM (tools/demo/run.sh). Each line is something
# a Linux program expects and gets.
echo "This is $(uname -s) $(uname -r) on $(uname -m), as the program sees it:"
echo "  an Alto VM with $(grep -c ^processor /proc/cpuinfo) CPU(s)," \
	"$(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo) MiB"
echo "Processes (fork, exec, pipes, wait):"
sleep 1 &
echo "  a background sleep is pid $!; ps and sed, piped, are two more"
ps -o pid,comm | sed 's/^/    /'
wait
echo "  waited for it: status $?"
echo "Files: the image's, plus /proc, /dev and a writable /tmp:"
echo hello >/tmp/greeting && echo "  /tmp/greeting says $(cat /tmp/greeting)"
echo "  / holds: $(ls / | tr '\n' ' ')"
echo "Done: the VM powers off with this script's status, 0."
