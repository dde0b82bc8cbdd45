/*
 * The core of Alto's lwIP port. lwIP runs with NO_SYS (no threads or
 * mailboxes of its own): a single sleeping lock serializes every call into
 * it, and one kernel thread, the stack thread, does what no caller does:
 * it takes received frames from the devices whose interrupts kicked it,
 * runs lwIP's timers when they are due, and gives finished transmissions
 * back. Loopback traffic (to lo or to an interface's own address) is
 * delivered by whoever releases the lock, so a local connection's data
 * needs no thread switch. Memory is the kernel heap; time is the
 * monotonic clock in milliseconds. Nothing of this starts at boot: the
 * first taker of the stack lock (a socket, a device's interface, a list of
 * interfaces, /proc/net) initializes lwIP and starts the stack thread,
 * under the lock, so a program that never touches the network never pays
 * for it.
 */
#include <alto/device.h>
#include <alto/mm.h>
#include <alto/net.h>
#include <alto/netdev.h>
#include <alto/printk.h>
#include <alto/random.h>
#include <alto/sched.h>
#include <alto/sync.h>
#include <alto/time.h>
#include "internal.h"

#include <uapi/errno.h>
#include "lwip/init.h"
#include "lwip/sys.h"
#include "lwip/netif.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"

#if LWIP_VERSION_MAJOR != 2 || LWIP_VERSION_MINOR != 1
#error "Alto's lwIP port is written for lwIP 2.1 (Debian's lwip source package)"
#endif

#define SHUTDOWN_DRAIN_NS (100 * NSEC_PER_MSEC) /* for the resets to leave */
#define RX_BUDGET	  64 /* frames per device per round, so one device cannot starve the rest */

static struct mutex lock = MUTEX_INIT(lock);
static struct waitq thread_wq = WAITQ_INIT(thread_wq);
static volatile bool kicked;
/*
 * lwIP's periodic timers (ARP, IGMP, ND...) run only once there is
 * something to serve, a device or a socket: until then the kernel stays
 * tickless when idle.
 */
static volatile bool active;
static bool started; /* written and read under the lock only */
static void start_locked(void);

void net_activate(void)
{
	if (!active) {
		active = true;
		net_kick();
	}
}

void net_lock(void)
{
	mutex_lock(&lock);
	if (unlikely(!started))
		start_locked();
}

bool net_locked(void)
{
	return mutex_held(&lock);
}

void net_assert_locked(void)
{
	if (!mutex_held(&lock))
		panic("lwIP called without the stack lock");
}

/* Out of line, so that each of lwIP's 200 assertions is one short call. */
void lwip_assert_failed(const char *file, int line)
{
	panic("lwIP assertion failed at %s:%d", file, line);
}

/* Loopback frames queue on their interface until someone polls it. */
static bool loopback_pending(void)
{
	struct netif *n;

	NETIF_FOREACH(n)
	{
		if (n->loop_first)
			return true;
	}
	return false;
}

void net_unlock(void)
{
	while (loopback_pending())
		netif_poll_all();
	tcp_trace_states();
	mutex_unlock(&lock);
}

void net_kick(void)
{
	unsigned long flags = spin_lock(&thread_wq.lock);

	kicked = true;
	spin_unlock(&thread_wq.lock, flags);
	waitq_wake_all(&thread_wq);
}

void *net_malloc(unsigned long size)
{
	return kmalloc(size);
}

void *net_calloc(unsigned long n, unsigned long size)
{
	if (size && n > ~0ul / size)
		return NULL;
	return kzalloc(n * size);
}

void net_free(void *p)
{
	kfree(p);
}

u32_t sys_now(void)
{
	return (u32_t)(time_now_ns() / NSEC_PER_MSEC);
}

/* RFC 6528: a secret-keyed function of the connection plus a 4 us clock. */
u32_t net_tcp_isn(const ip_addr_t *local_ip, u16_t local_port, const ip_addr_t *remote_ip,
		  u16_t remote_port)
{
	static uint64_t secret;
	uint64_t h;

	if (!secret)
		secret = random_u64() | 1;
	h = secret ^ ((uint64_t)local_port << 16 | remote_port);
	for (int i = 0; i < 4; i++) {
		h ^= IP_IS_V6(local_ip) ? ip_2_ip6(local_ip)->addr[i] :
					  (i ? 0 : ip_2_ip4(local_ip)->addr);
		h *= 0x9e3779b97f4a7c15ull;
		h ^= IP_IS_V6(remote_ip) ? ip_2_ip6(remote_ip)->addr[i] :
					   (i ? 0 : ip_2_ip4(remote_ip)->addr);
		h *= 0xc2b2ae3d27d4eb4full;
		h ^= h >> 29;
	}
	return (u32_t)(h ^ (h >> 32)) + (u32_t)(time_now_ns() / 4000);
}

/* Sleep until kicked or until lwIP's next timer is due. */
static void wait_for_work(u32_t sleep_ms)
{
	uint64_t deadline = sleep_ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE ?
				    0 :
				    time_now_ns() + (uint64_t)sleep_ms * NSEC_PER_MSEC;
	unsigned long flags = spin_lock(&thread_wq.lock);

	while (!kicked) {
		if (waitq_wait_locked(&thread_wq, &flags, deadline) == -ETIMEDOUT)
			break;
	}
	kicked = false;
	spin_unlock(&thread_wq.lock, flags);
}

static void stack_thread(void *arg)
{
	for (;;) {
		net_lock();
		bool again = netif_poll_devices(RX_BUDGET);
		u32_t sleep_ms = SYS_TIMEOUTS_SLEEPTIME_INFINITE;
		if (active) {
			sys_check_timeouts();
			sleep_ms = sys_timeouts_sleeptime();
		}
		net_unlock();
		if (again)
			thread_yield();
		else
			wait_for_work(sleep_ms);
	}
}

void net_shutdown(void)
{
	if (!active)
		return;
	net_lock();
	/* tcp_abort sends the RST and takes the pcb off the list. */
	while (tcp_active_pcbs)
		tcp_abort(tcp_active_pcbs);
	net_unlock();
	netif_drain(time_now_ns() + SHUTDOWN_DRAIN_NS);
}

/*
 * lwIP and its loopback interface, then the stack thread, which waits for
 * the lock its creator holds. Every lwIP call is made under the lock, so
 * no caller can see lwIP before this has run.
 */
static void start_locked(void)
{
	started = true;
	lwip_init(); /* adds lo as the first interface */
	struct thread *t = thread_create(stack_thread, NULL, "net");
	if (IS_ERR(t))
		panic("net: cannot start the stack thread");
	thread_detach(t);
}
