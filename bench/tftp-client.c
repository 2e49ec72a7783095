/* bench/tftp-client.c - many lock-step TFTP downloads at once from one process, for
 * bench/tftp-many.ts (which compiles it with cc). RFC 1350 lock-step: one ACK per DATA block;
 * RFC 2348 blksize in the RRQ, no RFC 7440 windowsize, as iPXE's undionly asks.
 * Why C and one process: 100 atftp processes spend more CPU starting than a 70 KB transfer
 * costs (seconds in all, staggered, so the downloads hardly overlap); a Node client costs per
 * packet about what a Node server does. This one starts every download at once and costs two
 * system calls per block.
 *
 * Usage: tftp-client SERVER-IP[:PORT] FILE N BLKSIZE EXPECTED-SIZE
 * Prints one line per download: "<index> <ms from start to last ACK> <bytes> <fnv1a-64 hex>",
 * then "done <ok> <failed>". Exit status 0 only if every download got EXPECTED-SIZE bytes.
 * Retransmits its last packet (RRQ or ACK) after 1 s without news, gives up after 10.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct dl {
    int fd, done, failed, idle;
    uint16_t expect; /* next block number on the wire */
    uint16_t tid;    /* server's transfer port, 0 until the first reply */
    unsigned char last[600];
    size_t last_len;
    uint64_t bytes, hash;
    double ms;
};

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void send_last(struct dl *d, struct sockaddr_in *srv) {
    struct sockaddr_in to = *srv;
    if (d->tid) to.sin_port = htons(d->tid);
    sendto(d->fd, d->last, d->last_len, 0, (struct sockaddr *)&to, sizeof to);
}

static void ack(struct dl *d, struct sockaddr_in *srv, uint16_t block) {
    d->last[0] = 0; d->last[1] = 4; d->last[2] = block >> 8; d->last[3] = block & 0xff;
    d->last_len = 4;
    send_last(d, srv);
}

int main(int argc, char **argv) {
    if (argc != 6) { fprintf(stderr, "usage: %s SERVER-IP[:PORT] FILE N BLKSIZE EXPECTED-SIZE\n", argv[0]); return 2; }
    int n = atoi(argv[3]), blksize = atoi(argv[4]);
    uint64_t expected = strtoull(argv[5], 0, 10);
    struct sockaddr_in srv = { .sin_family = AF_INET, .sin_port = htons(69) };
    char *colon = strchr(argv[1], ':');
    if (colon) { *colon = 0; srv.sin_port = htons(atoi(colon + 1)); }
    if (inet_pton(AF_INET, argv[1], &srv.sin_addr) != 1) { fprintf(stderr, "bad address\n"); return 2; }
    struct dl *d = calloc(n, sizeof *d);
    struct pollfd *p = calloc(n, sizeof *p);
    unsigned char buf[65536];
    double t0 = now_ms();
    for (int i = 0; i < n; i++) {
        d[i].fd = socket(AF_INET, SOCK_DGRAM, 0);
        if (d[i].fd < 0) { perror("socket"); return 1; }
        d[i].expect = 1;
        d[i].hash = 0xcbf29ce484222325ULL; /* FNV-1a 64 offset basis */
        int len = snprintf((char *)d[i].last + 2, sizeof d[i].last - 2, "%s%coctet%cblksize%c%d", argv[2], 0, 0, 0, blksize);
        d[i].last[0] = 0; d[i].last[1] = 1;
        d[i].last_len = 2 + len + 1;
        p[i].fd = d[i].fd; p[i].events = POLLIN;
    }
    for (int i = 0; i < n; i++) send_last(&d[i], &srv); /* all RRQs at once */
    int left = n;
    while (left > 0) {
        int r = poll(p, n, 1000);
        if (r < 0 && errno != EINTR) { perror("poll"); return 1; }
        if (r <= 0) { /* a quiet second: retransmit for every download still running */
            for (int i = 0; i < n; i++) {
                if (d[i].done) continue;
                if (++d[i].idle > 10) { d[i].done = d[i].failed = 1; d[i].ms = now_ms() - t0; p[i].fd = -1; left--; }
                else send_last(&d[i], &srv);
            }
            continue;
        }
        for (int i = 0; i < n; i++) {
            if (!(p[i].revents & POLLIN)) continue;
            struct sockaddr_in from; socklen_t fl = sizeof from;
            ssize_t got = recvfrom(d[i].fd, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
            if (got < 4) continue;
            if (!d[i].tid) d[i].tid = ntohs(from.sin_port);
            if (ntohs(from.sin_port) != d[i].tid) continue; /* not our transfer's TID (RFC 1350 §4) */
            d[i].idle = 0;
            int op = buf[1];
            if (op == 6) { ack(&d[i], &srv, 0); continue; } /* OACK: ACK 0 (RFC 2347) */
            if (op == 5) { d[i].done = d[i].failed = 1; d[i].ms = now_ms() - t0; p[i].fd = -1; left--; continue; }
            if (op != 3) continue;
            uint16_t block = (buf[2] << 8) | buf[3];
            if (block != d[i].expect) { ack(&d[i], &srv, (uint16_t)(d[i].expect - 1)); continue; }
            for (ssize_t k = 4; k < got; k++) d[i].hash = (d[i].hash ^ buf[k]) * 0x100000001b3ULL;
            d[i].bytes += got - 4;
            ack(&d[i], &srv, block);
            d[i].expect++;
            if (got - 4 < blksize) { d[i].done = 1; d[i].ms = now_ms() - t0; p[i].fd = -1; left--; }
        }
    }
    int ok = 0, failed = 0;
    for (int i = 0; i < n; i++) {
        if (d[i].failed || d[i].bytes != expected) failed++; else ok++;
        printf("%d %.1f %llu %016llx\n", i, d[i].ms, (unsigned long long)d[i].bytes, (unsigned long long)d[i].hash);
    }
    printf("done %d %d\n", ok, failed);
    return failed ? 1 : 0;
}
