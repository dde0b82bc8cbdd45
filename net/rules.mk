# The TCP/IP stack: Alto's lwIP port (net/lwip/) and the AF_INET family
# (net/inet/), built against lwIP's headers, and lwIP itself, whose source
# comes from Debian's lwip source package (scripts/fetch-lwip.sh unpacks it into
# build/lwip at build time; it is never committed). lwIP's files are built
# with the kernel's flags, the port's headers (net/lwip/include, the
# freestanding stand-ins in net/lwip/compat) and without -Werror, as its
# code is not ours to change.

LWIP_ROOT  := $(BUILD)/lwip
LWIP_DIR   := $(LWIP_ROOT)/src/src
LWIP_STAMP := $(LWIP_ROOT)/.fetched
LWIP_INC   := -Inet/lwip/include -Inet/lwip/compat -I$(LWIP_DIR)/include

LWIP_SRCS := core/init.c core/def.c core/dns.c core/inet_chksum.c core/ip.c core/mem.c \
	     core/memp.c core/netif.c core/pbuf.c core/raw.c core/stats.c core/sys.c \
	     core/tcp.c core/tcp_in.c core/tcp_out.c core/timeouts.c core/udp.c \
	     core/ipv4/dhcp.c core/ipv4/etharp.c core/ipv4/icmp.c core/ipv4/igmp.c \
	     core/ipv4/ip4_frag.c core/ipv4/ip4.c core/ipv4/ip4_addr.c \
	     core/ipv6/ethip6.c core/ipv6/icmp6.c core/ipv6/inet6.c core/ipv6/ip6.c \
	     core/ipv6/ip6_addr.c core/ipv6/ip6_frag.c core/ipv6/mld6.c core/ipv6/nd6.c \
	     netif/ethernet.c
LWIP_OBJS := $(patsubst %.c,$(LWIP_ROOT)/obj/%.o,$(LWIP_SRCS))
# What every segment goes through (the checksum over every byte, TCP's
# input and output, pbufs, IPv4, Ethernet): -O2 like the kernel's other hot
# files (HOT_SRCS in the Makefile); the rest is built for size.
LWIP_HOT := core/inet_chksum.c core/tcp_in.c core/tcp_out.c core/pbuf.c core/ipv4/ip4.c \
	    netif/ethernet.c
$(patsubst %.c,$(LWIP_ROOT)/obj/%.o,$(LWIP_HOT)): KOPT := -O2
NET_SRCS  := $(wildcard net/lwip/*.c net/inet/*.c)
NET_OBJS  := $(patsubst %,$(BUILD)/kernel/%.o,$(NET_SRCS))

# A TCP segment larger than the link, for a device that cuts it, passes IP
# whole instead of fragmented (net/lwip/tso.c): lwIP's one way to its
# fragmentation is wrapped at the link.
KLDFLAGS += -Wl,--wrap=ip4_frag -Wl,--wrap=ip6_frag

$(LWIP_STAMP): scripts/fetch-lwip.sh
	$(Q)scripts/fetch-lwip.sh $(LWIP_ROOT)
	$(Q)touch $@

# The sources appear with the fetch; make must not delete them as intermediates.
$(addprefix $(LWIP_DIR)/,$(LWIP_SRCS)): $(LWIP_STAMP) ;
.SECONDARY: $(addprefix $(LWIP_DIR)/,$(LWIP_SRCS))

$(LWIP_OBJS): $(LWIP_ROOT)/obj/%.o: $(LWIP_DIR)/%.c net/lwip/include/lwipopts.h \
	      net/lwip/include/arch/cc.h
	@mkdir -p $(dir $@)
	@echo "  CC      lwip/$*.c"
	$(Q)$(CC) $(filter-out -Werror -Wmissing-prototypes -Wextra,$(KCFLAGS)) \
		-Wno-address $(LWIP_INC) -c $< -o $@

$(NET_OBJS): $(BUILD)/kernel/%.c.o: %.c | $(LWIP_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(KCFLAGS) $(LWIP_INC) -c $< -o $@
