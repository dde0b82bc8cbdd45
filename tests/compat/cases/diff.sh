seq 1 20 > a; seq 1 20 | sed 's/^7$/seven/' > b; diff a b; echo st=$?; diff -u a b | tail -n +3; cmp a b; echo st=$?; diff3 a b a | head -3; sdiff -w 40 a b | grep '|'
mkdir x y; cp a x; cp b y/a; diff -r x y; echo st=$?
