/*
 * lwIP's TCP state changes as tcp_state events. lwIP has no hook for them
 * (it assigns pcb->state in a dozen places of its own code), so, while the
 * tracepoint is on, every pcb remembers the last state traced for it in an
 * extension slot, and the lists of pcbs are compared against that after
 * each received frame and whenever the stack lock is released (which
 * covers timers and the socket calls). A change that is undone before the
 * next look is not seen, nor is a pcb that lwIP both made and freed in
 * between (a half-open connection reset at once). A second slot holds the
 * pcb itself, so that its destroy callback, lwIP's one notice of a pcb's
 * end, can trace the last step to CLOSED.
 */
#include <alto/format.h>
#include "../net_trace.h"
#include "internal.h"

#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"

/*
 * TCP_SLOT_STATE: the state last traced, plus 1 (0: never looked at), then
 * the ports seen with it. TCP_SLOT_SELF: the pcb (a listening one's was
 * copied from the pcb it replaced).
 */

static const char *const state_names[] = {
	"CLOSED",     "LISTEN",	    "SYN_SENT", "SYN_RCVD", "ESTABLISHED", "FIN_WAIT_1",
	"FIN_WAIT_2", "CLOSE_WAIT", "CLOSING",	"LAST_ACK", "TIME_WAIT",
};

static const char *state_name(unsigned int s)
{
	return s < ARRAY_SIZE(state_names) ? state_names[s] : "?";
}

static uintptr_t slot_value(const struct tcp_pcb *pcb)
{
	uint64_t remote = pcb->state == LISTEN ? 0 : pcb->remote_port;

	return (uintptr_t)(pcb->state + 1) | (uintptr_t)pcb->local_port << 8 |
	       (uintptr_t)(remote << 24);
}

static void trace_change(const struct tcp_pcb *pcb, unsigned int from, unsigned int to,
			 uintptr_t ports)
{
	char what[32];

	snprintf(what, sizeof(what), "%s -> %s", state_name(from), state_name(to));
	trace_tcp_state(pcb, (ports >> 8) & 0xffff, (ports >> 24) & 0xffff, what);
}

static unsigned int remembered(const struct tcp_pcb *pcb)
{
	uintptr_t v = (uintptr_t)pcb->ext_args[TCP_SLOT_STATE].data;

	return v ? (unsigned int)(v & 0xff) - 1 : CLOSED;
}

/* lwIP frees the pcb (any state): its last step. */
static void destroyed(u8_t id, void *data)
{
	struct tcp_pcb *pcb = data;

	/* lwIP has cleared the ports by now: the last ones seen are kept. */
	if (id == TCP_SLOT_SELF && trace_on(tcp_state) && remembered(pcb) != CLOSED)
		trace_change(pcb, remembered(pcb), CLOSED,
			     (uintptr_t)pcb->ext_args[TCP_SLOT_STATE].data);
}

static const struct tcp_ext_arg_callbacks self_callbacks = { .destroy = destroyed };

static void look_at(struct tcp_pcb *pcb)
{
	uintptr_t seen = (uintptr_t)pcb->ext_args[TCP_SLOT_STATE].data, now = slot_value(pcb);

	if (pcb->ext_args[TCP_SLOT_SELF].data != pcb) {
		pcb->ext_args[TCP_SLOT_SELF].callbacks = &self_callbacks;
		pcb->ext_args[TCP_SLOT_SELF].data = pcb;
	}
	if ((seen & 0xff) != (now & 0xff) && (seen || pcb->state != CLOSED))
		trace_change(pcb, remembered(pcb), pcb->state, now);
	pcb->ext_args[TCP_SLOT_STATE].data = (void *)now;
}

void tcp_trace_states(void)
{
	struct tcp_pcb *const *lists[] = { &tcp_bound_pcbs, &tcp_listen_pcbs.pcbs, &tcp_active_pcbs,
					   &tcp_tw_pcbs };

	if (!trace_on(tcp_state))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(lists); i++) {
		for (struct tcp_pcb *pcb = *lists[i]; pcb; pcb = pcb->next)
			look_at(pcb);
	}
}
