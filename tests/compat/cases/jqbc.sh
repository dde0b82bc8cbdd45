echo '{"a":[1,2,3],"b":{"c":"d"}}' | jq -c '.a | map(.*2)'; echo '[3,1,2]' | jq 'sort'; jq -n '[range(5)] | add'; echo '{"x":1}' | jq -r 'keys[]'
echo 'scale=20; 4*a(1)' | bc -l; echo '2^100' | bc; echo 'define f(n) { if (n<2) return n; return f(n-1)+f(n-2) } f(20)' | bc; dc -e '2 3 + p'
