seq 1 200000 > big; sort --parallel=2 -S 1M -r big | head -2; fallocate -l 1M fa; echo fa=$? $(stat -c %s fa); stat -f -c %T . >/dev/null; echo statf=$?
sync -f big; echo syncf=$?; dd if=big of=big2 conv=fsync status=none; cmp big big2 && echo dd-ok; getconf PAGESIZE; getconf _NPROCESSORS_ONLN >/dev/null; echo gc=$?
ulimit -a >/dev/null; echo ul=$?; find . -name 'big*' -exec wc -l {} + | sort | tail -1; find . -maxdepth 1 -name 'big*' -newer fa | wc -l
mkdir -p t && tar -C t -xf /dev/null 2>/dev/null; echo tnull=$?; uname -s -m; df -P . >/dev/null; echo df=$?; mount >/dev/null; echo mnt=$?
python3 -c 'import os; print(os.cpu_count() > 0, len(os.sched_getaffinity(0)) > 0); import resource; print(resource.getrlimit(resource.RLIMIT_NOFILE)[0] > 0)'
python3 -c 'import shutil, os; shutil.copytree("t", "t2"); shutil.rmtree("t2"); os.makedirs("a/b", exist_ok=True); print(sorted(os.listdir(".")))' | tr -d "'"
python3 -c 'import fcntl, os; f = open("big"); fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB); print("locked"); fcntl.lockf(open("big", "r+"), fcntl.LOCK_EX); print("lockf")'
python3 -c 'import mmap; f = open("big", "r+b"); m = mmap.mmap(f.fileno(), 0); print(m[:6]); m[0:1] = b"9"; m.flush(); m.close(); print(open("big").read(3))'
python3 -c 'import select, os; r, w = os.pipe(); p = select.poll(); p.register(r); os.write(w, b"x"); print(p.poll(100)); e = select.epoll(); e.register(r); print(len(e.poll(0.1)))'
python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(); c = socket.create_connection(s.getsockname()); a, _ = s.accept(); c.sendall(b"tcp"); print(a.recv(3))'
python3 -c 'import os, signal, time; pid = os.fork()
if pid == 0: time.sleep(5); os._exit(0)
os.kill(pid, signal.SIGTERM); print(os.waitpid(pid, 0)[1])'
python3 -c 'import ctypes, ctypes.util; libc = ctypes.CDLL(ctypes.util.find_library("c")); print(libc.getpid() == __import__("os").getpid())'
python3 -c 'import tempfile, os; fd, p = tempfile.mkstemp(); os.write(fd, b"abc"); os.fsync(fd); os.fdatasync(fd); print(os.pread(fd, 2, 1)); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_SEQUENTIAL); print(os.statvfs(p).f_bsize > 0); os.unlink(p)'
python3 -c 'import os; print(os.getloadavg()[0] >= 0, os.times().elapsed > 0); import pwd; print(pwd.getpwuid(os.getuid()).pw_name)'
