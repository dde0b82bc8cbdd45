set -m 2>/dev/null
cat <<X | tr a-z A-Z
here $((1+2))
X
echo out > f 2> e; echo err >&2 2>>e; cat f; exec 3> g; echo fd3 >&3; exec 3>&-; cat g; cat < f | wc -c
trap 'echo trapped' USR1; kill -USR1 $$; trap 'echo exiting' EXIT
sleep 0.2 & j=$!; jobs | wc -l; wait $j; echo wait=$?
( exit 7 ); echo sub=$?; false | true; echo pipe=$? ${PIPESTATUS[@]}; set -o pipefail; false | true; echo pf=$?; set +o pipefail
diff <(seq 3) <(seq 3) && echo procsub; read -r a b <<< "x y"; echo $b$a; arr=(3 1 2); echo ${#arr[@]} ${arr[*]}
sleep 5 & kill %1 2>/dev/null || kill $!; wait $! ; echo killed=$?
f() { local x=$1; echo "fn $x"; return 3; }; f arg; echo ret=$?; ulimit -n >/dev/null; echo ulimit=$?; type ls | head -1 >/dev/null; echo type=$?
timeout 1 bash -c 'trap "echo term; exit 5" TERM; sleep 10 & wait'; echo to=$?
{ echo grouped; } | cat; printf '%s\n' {a..c}; echo $(( $(echo 6) * 7 )); mapfile -t L < <(seq 3); echo ${L[2]}
echo $BASH_VERSION | cut -d. -f1; [[ abc =~ b(c) ]] && echo ${BASH_REMATCH[1]}; echo end
