ps -o pid,comm >/dev/null; echo ps=$?; sleep 3 & pgrep -x sleep >/dev/null; echo pgrep=$?; pkill -x sleep; wait; echo pk=$?
free >/dev/null; echo free=$?; uptime >/dev/null; echo up=$?; vmstat >/dev/null; echo vm=$?; top -b -n1 >/dev/null; echo top=$?; w >/dev/null; echo w=$?
ps -o pid=,ppid=,stat= -p $$ | awk '{print ($1>0), ($2>=0), substr($3,1,1)}'; cat /proc/self/status | grep -c -e ^Pid -e ^PPid -e ^Uid; lsof -p $$ >/dev/null 2>&1; echo lsof=$?
