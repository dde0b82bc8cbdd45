seq 1 10 | gawk '{s+=$1} END {print s, NR}'; echo 'a b c' | gawk '{print $2, NF}'; gawk 'BEGIN{printf "%.3f\n", atan2(0,-1); print strftime("%Y", 0, 1); print length("abc")}'
gawk 'BEGIN { while (("seq 3" | getline l) > 0) print "got", l; close("seq 3"); print "x" | "cat"; close("cat"); system("echo sys") }'
gawk 'BEGIN{srand(1); n=split("c b a",A); asort(A); print A[1] A[2] A[3]; print toupper("x")}'; mawk 'BEGIN{print 1+1}'
