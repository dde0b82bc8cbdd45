ip -o link show lo | awk '{print $2}'; ip -4 -o addr show lo | awk '{print $4}'; ss -ltn >/dev/null; echo ss=$?
python3 -m http.server 8123 --bind 127.0.0.1 >/dev/null 2>&1 & curl -s --retry 30 --retry-connrefused --retry-delay 1 -o /dev/null -w '%{http_code}\n' http://127.0.0.1:8123/; kill $!; wait
tmux -S ./sock new-session -d 'sleep 30'; echo tmux=$?; tmux -S ./sock list-sessions | wc -l; tmux -S ./sock kill-server; echo killed=$?
getfacl -c . 2>/dev/null | head -1; setfacl -m u:root:r big 2>/dev/null; echo sf=$?; lsattr -d . >/dev/null 2>&1; echo lsattr=$?
unshare -U true 2>/dev/null; echo unshare=$?; runuser -u nobody -- id -un 2>/dev/null; echo ru=$?; su -s /bin/sh nobody -c 'id -un' 2>/dev/null; echo su=$?
