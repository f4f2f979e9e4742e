#!/usr/bin/env bash
# What the build machine does to guest=net on bare metal and UEFI (the
# *-net scenarios, through qemu-run.sh --net-fwd PORT --peer): over QEMU's
# user-mode network, whose forwarded ports PORT and PORT+2 reach the guest's
# UDP ports 7 and 9, the same as the Linux VM's shell does over its TAP
# (scripts/linux/scenario.sh, net): 10,000 datagrams echoed byte-exact, a
# flood while the guest takes no frames, 100 more echoed after, "stop".
# QEMU's user-mode network forwards no ICMP inward: the ping is the Linux
# case's (docs/ABI.md, "The network device").
# usage: net-peer.sh PORT [UDPECHO]
port="$1" u="${2:-build/linux-tools/udpecho}"
export UDPECHO_PORT="$port" CK_SAY="net-peer:"
say() { echo "net-peer: $*"; }
"$u" 127.0.0.1 10000 16; say "udpecho exit status $?"
"$u" 127.0.0.1 pause; sleep 0.2
"$u" 127.0.0.1 flood 5000
# Once the guest has taken what its card's queue kept, it answers again.
for _ in $(seq 20); do "$u" 127.0.0.1 1 1 > /dev/null && break; done
"$u" 127.0.0.1 100 16; say "udpecho after the flood exit status $?"
"$u" 127.0.0.1 stop
