cat > Makefile <<'MK'
all: out.txt b.txt
out.txt: in.txt
	tr a-z A-Z < $< > $@
b.txt:
	@for i in 1 2 3; do echo $$i; done > $@
	@echo $(shell echo shell-ok) $(words a b c)
clean:
	rm -f out.txt b.txt
.PHONY: all clean
MK
echo abc > in.txt; make; make; cat out.txt b.txt; make -j2 clean all >/dev/null; echo st=$?; make nothere; echo st=$?
