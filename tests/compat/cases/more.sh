printf 'b\na\n' > f; vim -es -c 'sort' -c 'wq' f; cat f; ed -s f <<<$',s/a/A/\nw\nq'; cat f
python3 -m venv v >/dev/null; echo venv=$?; v/bin/python -c 'import sys; print(sys.prefix != sys.base_prefix)'
mkdir -p m/sub; printf 'all:\n\t$(MAKE) -C sub\n' > m/Makefile; printf 'all:\n\t@echo sub-made\n' > m/sub/Makefile; make -s -C m
for i in 1 2 3 4; do printf 'int f%d(void){return %d;}\n' $i $i > c$i.c; done; printf 'OBJS=c1.o c2.o c3.o c4.o\nlib.a: $(OBJS)\n\tar rcs $@ $^\n' > Makefile; make -s -j4 2>&1 | grep -v "Clock skew\|in the future"; ar t lib.a | sort | tr '\n' ' '; echo
perl -MIPC::Open3 -e 'my $pid = open3(my $in, my $out, undef, "cat"); print $in "o3\n"; close $in; print <$out>; waitpid $pid, 0; print $? >> 8, "\n"'
find . -maxdepth 1 -name 'c*.c' -printf '%f %s\n' | sort; seq 100 | xargs -n 10 -P 4 echo | wc -l
