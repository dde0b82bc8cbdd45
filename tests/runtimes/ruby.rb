# Ruby under Alto: threads (its timer thread wakes through an eventfd),
# Queue, sleep, IO.select on a pipe, and UNIX sockets (a pair, and a server
# path with its client). Everything printed is fixed.
require 'socket'
require 'tmpdir'

q = Queue.new
producers = 4.times.map { |i| Thread.new { 5.times { |j| q << i * 10 + j; sleep 0.001 } } }
producers.each(&:join)
sum = 0
sum += q.pop until q.empty?
puts "threads: sum #{sum}"

r, w = IO.pipe
t = Thread.new { sleep 0.05; w.write("through the pipe") }
ready = IO.select([r], nil, nil, 10)
puts "IO.select: #{ready ? ready[0].size : 0} ready, read #{r.readpartial(64).inspect}"
t.join

a, b = UNIXSocket.pair
a.write("ping")
puts "UNIXSocket.pair: #{b.recv(16)}"
a.close
b.close

Dir.mktmpdir("alto-ruby-") do |dir|
  path = File.join(dir, "server.sock")
  server = UNIXServer.new(path)
  th = Thread.new { c = server.accept; c.write("echo: #{c.gets}"); c.close }
  client = UNIXSocket.new(path)
  client.puts "hello over a UNIX socket"
  puts "UNIXServer: #{client.read.strip}"
  th.join
  server.close
end
puts "done"
