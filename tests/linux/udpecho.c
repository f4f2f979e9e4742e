/* udpecho: the host's side of the net scenario (scripts/linux/scenario.sh):
 * COUNT datagrams to ADDR's UDP echo port, each of its own length (1 to 1472
 * bytes: an MTU of 1500 less the IP and UDP headers) and contents (its
 * number and a pattern of it), at most WINDOW unanswered at a time; every
 * answer must be the datagram it answers, byte for byte. Prints what came
 * back and exits 0 only if every datagram did, once, exact.
 * `udpecho ADDR flood COUNT`: COUNT datagrams of 1472 bytes to port 9 (the
 * guest's discard port) as fast as the socket takes them, none awaited.
 * `udpecho ADDR stop` (or pause): that word to port 9, which ends guest=net
 * (or has it take no frames for a second).
 * UDPECHO_PORT=P in the environment: the echo port is P and port 9 is P+2
 * (QEMU's user-mode network forwards two ports of the build machine's own).
 * usage: udpecho ADDR COUNT [WINDOW] | ADDR flood COUNT | ADDR stop | ADDR pause */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include "say.h"

#define MAX_PAYLOAD 1472

static uint32_t len_of(uint32_t seq)
{
	return 1 + (seq * 7919u) % MAX_PAYLOAD;
}

static void fill(uint8_t *p, uint32_t seq)
{
	uint32_t len = len_of(seq);

	for (uint32_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seq * 31u + i * 17u);
	if (len >= 4)
		memcpy(p, &seq, 4);
}

/* "stop", or COUNT full datagrams, to port 9 of to. */
static int to_port9(struct sockaddr_in to, const char *what, uint32_t count)
{
	static uint8_t junk[MAX_PAYLOAD];
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	uint32_t sent = 0;

	to.sin_port = htons((uint16_t)(ntohs(to.sin_port) + 2)); /* 7 -> 9 */
	if (s < 0 || connect(s, (struct sockaddr *)&to, sizeof(to)) < 0) {
		perror("udpecho");
		return 2;
	}
	if (strcmp(what, "flood"))
		return send(s, what, strlen(what), 0) == (ssize_t)strlen(what) ? 0 : 2;
	memset(junk, 0x5a, sizeof(junk));
	for (uint32_t i = 0; i < count; i++)
		sent += send(s, junk, sizeof(junk), 0) == (ssize_t)sizeof(junk);
	printf("%s udpecho: flood: %u of %u datagrams of %u bytes sent\n", say(), sent, count,
	       MAX_PAYLOAD);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(7) };
	struct timeval tmo = { .tv_sec = 2 };
	uint8_t out[MAX_PAYLOAD], in[MAX_PAYLOAD + 1];
	uint32_t count, window, sent = 0, exact = 0, wrong = 0, dup = 0, lost = 0;
	uint8_t *seen;
	int s;

	if (getenv("UDPECHO_PORT"))
		to.sin_port = htons((uint16_t)strtoul(getenv("UDPECHO_PORT"), NULL, 10));
	if (argc < 3 || inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) {
		fprintf(stderr, "usage: udpecho ADDR COUNT [WINDOW] | ADDR flood COUNT | ADDR stop|pause\n");
		return 2;
	}
	if (!strcmp(argv[2], "stop") || !strcmp(argv[2], "pause") ||
	    (!strcmp(argv[2], "flood") && argc > 3))
		return to_port9(to, argv[2], argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 0);
	count = (uint32_t)strtoul(argv[2], NULL, 10);
	window = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 16;
	seen = calloc(count + 1, 1);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (!seen || s < 0 || connect(s, (struct sockaddr *)&to, sizeof(to)) < 0 ||
	    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo)) < 0) {
		perror("udpecho");
		return 2;
	}
	while (exact + wrong + lost < count) {
		ssize_t n;
		uint32_t seq;

		while (sent < count && sent - (exact + wrong + lost) < window) {
			fill(out, sent);
			if (send(s, out, len_of(sent), 0) < 0) {
				perror("udpecho: send");
				return 2;
			}
			sent++;
		}
		n = recv(s, in, sizeof(in), 0);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			/* 2 s without an answer: whatever is still out is lost */
			lost += sent - (exact + wrong + lost);
			continue;
		}
		if (n < 0) {
			perror("udpecho: recv");
			return 2;
		}
		/* Which datagram it answers: its number, or for the shortest
		 * (under 4 bytes) the one its length and bytes fit. */
		seq = count;
		if (n >= 4)
			memcpy(&seq, in, 4);
		else
			for (uint32_t k = 0; k < sent; k++)
				if (len_of(k) == (uint32_t)n && !seen[k]) {
					fill(out, k);
					if (!memcmp(out, in, (size_t)n)) {
						seq = k;
						break;
					}
				}
		if (seq >= sent) {
			wrong++;
			continue;
		}
		if (seen[seq]) {
			dup++;
			continue;
		}
		seen[seq] = 1;
		fill(out, seq);
		if ((uint32_t)n == len_of(seq) && !memcmp(out, in, (size_t)n))
			exact++;
		else
			wrong++;
	}
	printf("%s udpecho: %u datagrams of 1 to %u bytes, %u in flight at most: %u echoed "
	       "byte-exact, %u wrong, %u lost, %u duplicated\n", say(), count, MAX_PAYLOAD,
	       window, exact, wrong, lost, dup);
	return exact == count && !dup ? 0 : 1;
}
