// Go under Alto: goroutines, time.Sleep, a ticker, select, signal.Notify,
// a heap the garbage collector must work through, and a server and client
// over a UNIX socket in the same program. Everything printed is fixed, so
// the output matches the host's.
package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"time"
)

func goroutines() {
	var wg sync.WaitGroup
	results := make(chan int, 100)
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func(n int) {
			defer wg.Done()
			time.Sleep(time.Duration(n%5) * time.Millisecond)
			results <- n * n
		}(i)
	}
	wg.Wait()
	close(results)
	sum := 0
	for r := range results {
		sum += r
	}
	fmt.Println("goroutines: sum of squares 0..99 =", sum)
}

func timers() {
	start := time.Now()
	time.Sleep(20 * time.Millisecond)
	slept := time.Since(start) >= 20*time.Millisecond
	ticker := time.NewTicker(5 * time.Millisecond)
	ticks := 0
	timeout := time.After(5 * time.Second)
	done := false
	for !done {
		select {
		case <-ticker.C:
			ticks++
			if ticks == 5 {
				done = true
			}
		case <-timeout:
			done = true
		}
	}
	ticker.Stop()
	fmt.Println("timers: slept at least 20 ms:", slept, "ticks:", ticks)
}

func signals() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGUSR1)
	syscall.Kill(os.Getpid(), syscall.SIGUSR1)
	select {
	case s := <-ch:
		fmt.Println("signal.Notify got", s)
	case <-time.After(10 * time.Second):
		fmt.Println("signal.Notify: nothing")
	}
	signal.Stop(ch)
}

type node struct {
	next  *node
	value [64]byte
}

func garbage() {
	var keep *node
	for round := 0; round < 50; round++ {
		var list *node
		for i := 0; i < 20000; i++ {
			list = &node{next: list}
			list.value[0] = byte(i)
		}
		if round%10 == 0 {
			keep = list
		}
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	n := 0
	for p := keep; p != nil; p = p.next {
		n++
	}
	fmt.Println("gc: kept list of", n, "nodes; collections ran:", ms.NumGC > 0)
}

func unixSocket() {
	dir, err := os.MkdirTemp("", "alto-go-")
	if err != nil {
		fmt.Println("unix socket: mkdtemp:", err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "server.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		fmt.Println("unix socket: listen:", err)
		return
	}
	served := make(chan string)
	go func() {
		c, err := l.Accept()
		if err != nil {
			served <- "accept: " + err.Error()
			return
		}
		line, _ := bufio.NewReader(c).ReadString('\n')
		fmt.Fprintf(c, "echo: %s", line)
		c.Close()
		served <- "served"
	}()
	c, err := net.Dial("unix", path)
	if err != nil {
		fmt.Println("unix socket: dial:", err)
		return
	}
	fmt.Fprintf(c, "hello over a UNIX socket\n")
	reply, _ := bufio.NewReader(c).ReadString('\n')
	c.Close()
	fmt.Print("unix socket: ", reply)
	fmt.Println("unix socket: server", <-served)
	l.Close()
	_, err = os.Stat(path)
	fmt.Println("unix socket: the listener's close removed the file:", os.IsNotExist(err))
}

func main() {
	goroutines()
	timers()
	signals()
	garbage()
	unixSocket()
	fmt.Println("done")
}
