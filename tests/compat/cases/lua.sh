lua -e 'print(_VERSION:sub(1,3), 6*7, string.format("%.2f", math.pi)); local t={} for i=1,5 do t[#t+1]=i*i end print(table.concat(t,","))'
lua -e 'local f=io.popen("echo popen"); print(f:read("*l")); f:close(); print(os.time{year=2020,month=1,day=1,hour=0}); print(os.getenv("HOME") ~= nil)'
lua -e 'local f=io.open("x.txt","w"); f:write("data\n"); f:close(); for l in io.lines("x.txt") do print(l) end; print(os.remove("x.txt"))'
