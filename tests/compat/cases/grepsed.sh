seq 1 100 > n; grep -c 1 n; grep -E '^(1|2)5$' n; grep -rn 99 . ; sed -n '10,12p' n; sed -i 's/^5$/five/' n; grep five n
sed -E 's/([0-9])([0-9])/\2\1/' n | head -20 | tail -3; printf 'a\nb\n' | sed '1i\header'; grep -v -e 1 -e 2 n | wc -l
