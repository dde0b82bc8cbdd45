seq 1 1000 > n.txt; sort -rn n.txt | head -3; wc -l n.txt; md5sum n.txt; sha256sum n.txt | cut -c1-16
cp n.txt m.txt; mv m.txt k.txt; ln -s k.txt l.txt; readlink l.txt; stat -c '%s %F' k.txt l.txt
mkdir -p a/b/c; touch a/b/c/f; ls -R a; du -s a >/dev/null; echo du=$?; rm -r a; ls
df / >/dev/null; echo df=$?; tr a-z A-Z <<<hello; printf '%5.2f\n' 3.14159; date -d @0 -u
expr 6 \* 7; basename /a/b/c.txt .txt; dirname /a/b/c; split -l 300 n.txt part; ls part*; cat part* | cmp - n.txt && echo same
shuf -i 1-10 --random-source=n.txt | sort -n | tr '\n' ' '; echo; tac n.txt | head -2; nl n.txt | tail -1; od -c <<<ab; id -u; env | grep -c PATH
timeout 5 sleep 0.1; echo timeout=$?; nproc >/dev/null; echo nproc=$?; truncate -s 1M big; ls -l big | awk '{print $5}'; sync; echo sync=$?
install -m 755 n.txt inst; stat -c %a inst; chmod 600 inst; stat -c %a inst; touch -d '2020-01-01 00:00:00' inst; stat -c %Y inst
