# Python's asyncio under Alto: an event loop (epoll, and a socketpair as its
# self-pipe) with tasks, sleeps, a queue, call_later, and streams over a UNIX
# socket pair and over a UNIX server path. Everything printed is fixed.
import asyncio
import os
import socket
import tempfile


async def worker(name, delay, results):
    await asyncio.sleep(delay)
    results.append(name)
    return name


async def tasks():
    results = []
    done = await asyncio.gather(*(worker(f"t{i}", 0.001 * i, results) for i in range(5)))
    print("tasks:", done, "all ran:", sorted(results) == sorted(done))


async def queue():
    q = asyncio.Queue()

    async def producer():
        for i in range(10):
            await q.put(i)
            await asyncio.sleep(0)
        await q.put(None)

    async def consumer():
        total = 0
        while (item := await q.get()) is not None:
            total += item
        return total

    _, total = await asyncio.gather(producer(), consumer())
    print("queue: total", total)


async def later():
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    loop.call_later(0.01, fut.set_result, "called later")
    print("call_later:", await asyncio.wait_for(fut, 5))


async def pair_streams():
    a, b = socket.socketpair()
    ra, wa = await asyncio.open_connection(sock=a)
    rb, wb = await asyncio.open_connection(sock=b)
    wa.write(b"ping\n")
    await wa.drain()
    line = await rb.readline()
    wb.write(line.upper())
    await wb.drain()
    print("socketpair streams:", (await ra.readline()).decode().strip())
    for w in (wa, wb):
        w.close()
        await w.wait_closed()


async def server_streams():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "server.sock")

        async def handle(reader, writer):
            data = await reader.readline()
            writer.write(b"echo: " + data)
            await writer.drain()
            writer.close()

        server = await asyncio.start_unix_server(handle, path)
        reader, writer = await asyncio.open_unix_connection(path)
        writer.write(b"hello over a UNIX socket\n")
        await writer.drain()
        print("unix server:", (await reader.read()).decode().strip())
        writer.close()
        await writer.wait_closed()
        server.close()
        await server.wait_closed()


async def main():
    await tasks()
    await queue()
    await later()
    await pair_streams()
    await server_streams()
    print("loop:", type(asyncio.get_running_loop()._selector).__name__)
    print("done")


asyncio.run(main())
