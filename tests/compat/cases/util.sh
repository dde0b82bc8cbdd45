flock lk -c 'echo locked'; flock -n lk true; echo fl=$?; getent passwd root | cut -d: -f1,3; getent hosts localhost | awk '{print $1}' | head -1
nice -n 5 nice; ionice -c 3 true; echo io=$?; taskset -c 0 true; echo ts=$?; taskset -p $$ >/dev/null; echo tsp=$?; chrt -p $$ >/dev/null; echo chrt=$?; prlimit --nofile=100:200 bash -c 'ulimit -n'; prlimit -p $$ --nofile >/dev/null; echo pl=$?
setsid -w bash -c 'echo sid'; stdbuf -oL echo sb; mkfifo ff; (echo fifo > ff &); cat ff; dd if=/dev/zero of=z bs=4k count=10 status=none; ls -l z | awk '{print $5}'; dd if=z bs=1k skip=2 count=3 status=none | wc -c
echo héllo | iconv -f utf-8 -t latin1 | od -An -c | head -1; locale >/dev/null; echo loc=$?; t=$(mktemp); [ -f $t ] && echo mkt; rm $t; d=$(mktemp -d); rmdir $d && echo mktd
seq 5 > tl; timeout 2 tail -f tl > tlo & sleep 0.5; echo 6 >> tl; sleep 1; wait; cat tlo | tail -2; nohup echo nh > /dev/null 2>&1; echo nh=$?; cat nohup.out 2>/dev/null
hostname >/dev/null; echo hn=$?; who; echo who=$?; logger hi 2>/dev/null; echo lg=$?; printf 'abc\n' | rev; printf 'a b\nccc d\n' | column -t; xxd -l 8 z; hexdump -C -n 4 z
zip -q a.zip tl; unzip -l a.zip | tail -1 | awk '{print $2}'; mkdir u; unzip -q a.zip -d u; cat u/tl | wc -l; echo 'x' > p1; echo 'y' > p2; diff -u p1 p2 > p.diff; patch -s p1 < p.diff; cat p1
lz4 -q tl tl.lz4; lz4 -dc tl.lz4 | wc -l; script -qc 'echo inscript' /dev/null | tr -d '\r'; ssh-keygen -q -t ed25519 -N '' -f key; echo ssh=$?; ssh-keygen -l -f key.pub | awk '{print $1, $NF}'
