/* cokrun's network device: a TAP interface of the Linux host, opened by name
 * (cokrun --tap NAME), frames read and written without blocking. The host's
 * side configures the interface (ip addr, ip link set up) as for any TAP. */
#ifndef LOADER_LINUX_TAP_H
#define LOADER_LINUX_TAP_H

/* A TAP device named name, created if it does not exist (needs
 * CAP_NET_ADMIN), non-blocking: its file, or -1 with errno set. */
int tap_open(const char *name);

#endif
