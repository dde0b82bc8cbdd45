python3 - <<'PY'
import subprocess, multiprocessing, os, sys, tempfile, threading, signal, select, socket, json
print(subprocess.run(["echo", "sub"], capture_output=True, text=True).stdout.strip())
print(subprocess.check_output("echo a | tr a b", shell=True).decode().strip())
p = subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE); print(p.communicate(b"comm")[0]); print(p.returncode)
def sq(x): return x*x
if __name__ == "__main__":
    with multiprocessing.Pool(2) as pool: print(pool.map(sq, range(8)))
    q = multiprocessing.Queue(); pr = multiprocessing.Process(target=q.put, args=(42,)); pr.start(); print(q.get()); pr.join(); print(pr.exitcode)
    import atexit
    with tempfile.TemporaryDirectory() as d: open(os.path.join(d, "f"), "w").write("x"); print(os.listdir(d))
    a, b = socket.socketpair(); a.send(b"sp"); print(b.recv(10))
    t = threading.Thread(target=lambda: print("thread")); t.start(); t.join()
    signal.signal(signal.SIGUSR1, lambda *a: print("usr1")); os.kill(os.getpid(), signal.SIGUSR1)
    r, w = os.pipe(); os.write(w, b"x"); print(select.select([r], [], [], 1)[0] == [r])
    from concurrent.futures import ProcessPoolExecutor
    with ProcessPoolExecutor(2) as ex: print(list(ex.map(sq, [1, 2, 3])))
PY
