/*
 * corral-tftp-pump: the data phase of TFTP read transfers (RFC 1350, with the RFC 2347 OACK and
 * the RFC 2348/2349/7440 options already negotiated by Corral), for files served as they are on
 * disk. Corral's TypeScript server (src/tftp/) receives and checks every request, resolves the
 * file, negotiates the options and decides; this process only moves blocks: it opens the
 * transfer's own socket (its TID, RFC 1350 §4), sends the OACK or DATA, reads ACKs and
 * retransmits. Why a process in C: lock-step transfers cost one datagram in and one out per
 * block, and Node's per-datagram path (a callback into JavaScript, a Buffer and an address
 * object per received datagram) costs about as much CPU again as the kernel's own work, which
 * with many clients at once is what bounds throughput (docs/benchmarks.md). A separate process,
 * not an addon: a fault here cannot take the appliance (DHCP, the API) down with it; Corral
 * fails the transfers it had and starts another.
 *
 * One thread per transfer, blocked in poll(2) on its sockets between datagrams, as atftpd does: a
 * client's ACK wakes exactly the thread that answers it, a synchronous wake-up that the scheduler
 * keeps on the waker's core. A single epoll thread for all transfers was measured first: fewer
 * context switches, but each DATA then woke its client on the other core (30,000 rescheduling
 * IPIs in 5 s against 1,100), which on this 2-core VM cost more than it saved (docs/benchmarks.md).
 *
 * Commands on stdin, events on stdout, one line each (a line is written with one write(2), so
 * lines of different threads never mix), fields separated by one space, strings hex-encoded:
 *   T id bind-ip client-ip client-port blksize windowsize timeout-ms retries max-backoff-ms busy-us busy-max file-hex size oack-hex|-
 *       start a transfer of `size` bytes of `file` (a regular file, opened O_NOFOLLOW), sending
 *       the OACK first when one is given ("-": DATA 1 first); busy-us/busy-max: see spin()
 *   X id notify reason-hex   cancel it (notify 1: send ERROR 0 "reason" to the client first)
 * Events:
 *   P id port                the transfer's socket is bound (its TID)
 *   G id                     the client acknowledged something (a retransmitted RRQ is not new)
 *   E id status bytes retransmits dropped reason-hex
 *                            ended: status completed | aborted | failed; bytes = DATA payload sent,
 *                            retransmissions included; dropped = malformed/unexpected datagrams
 * End of stdin ends the process (its transfers with it). The parent's death does too (SIGKILL
 * through PR_SET_PDEATHSIG, in case stdin is held open elsewhere).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { OP_DATA = 3, OP_ACK = 4, OP_ERROR = 5 };
enum { MAX_BLKSIZE = 65464 }; /* RFC 2348 */

typedef union {
    struct sockaddr sa;
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
} addr_t;

typedef struct transfer {
    struct transfer *next; /* in `running` */
    long id;
    int sock;   /* the TID, connected to the client when `others` is open */
    int others; /* same port, unconnected: other peers' datagrams (-> ERROR 5), or -1 */
    int fd;     /* the file */
    int wake;   /* eventfd: a cancel request */
    int port;           /* 0 until its socket is bound */
    addr_t local;       /* bind-ip, port 0 */
    socklen_t local_len;
    char *path;
    addr_t client;
    socklen_t client_len;
    int64_t size;
    int64_t last_block; /* size / blksize + 1: a file of whole blocks ends with an empty one */
    int64_t base;       /* last acknowledged block; -1 while the OACK is unacknowledged */
    int64_t sent;       /* highest block sent */
    int blksize, windowsize, timeout_ms, retries_max, max_backoff_ms;
    int retries;
    int64_t deadline_ms;
    unsigned char *oack;
    size_t oack_len;
    unsigned char *block; /* 4 + blksize: the DATA being sent */
    int64_t bytes, retransmits, dropped, acks;
    int busy_us, busy_max; /* spin() */
    int64_t sent_at_us;    /* when the last OACK/window went out */
    int64_t srtt_us;       /* smoothed OACK/DATA -> ACK turnaround, 0 until measured */
    int ended;
    int cancel_notify; /* set with cancel_reason before `wake` is signalled */
    char cancel_reason[256];
} transfer_t;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER; /* `running` */
static transfer_t *running;
static int nrunning; /* atomic */

static int64_t now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t now_ms(void) { return now_us() / 1000; }

/* One event line, written at once (pipe writes up to PIPE_BUF are atomic). */
__attribute__((format(printf, 1, 2))) static void emit(const char *fmt, ...) {
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n <= 0 || (size_t)n >= sizeof line) return;
    for (ssize_t at = 0; at < n;) {
        ssize_t w = write(STDOUT_FILENO, line + at, (size_t)(n - at));
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) _exit(0); /* Corral is gone */
        at += w;
    }
}

/* `s` hex-encoded into out (at most 200 bytes of it). */
static const char *hexed(const char *s, char out[401]) {
    size_t i = 0;
    for (; s[i] && i < 200; i++) snprintf(out + 2 * i, 3, "%02x", (unsigned char)s[i]);
    out[2 * i] = 0;
    return out;
}

static int unhex(const char *hex, unsigned char *dst, size_t max, size_t *len) {
    size_t n = strlen(hex);
    if (n % 2 || n / 2 > max) return -1;
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1) return -1;
        dst[i] = (unsigned char)v;
    }
    *len = n / 2;
    return 0;
}

/* An IPv4 or IPv6 literal, the latter with an optional %zone (link-local). */
static int parse_addr(const char *ip, int port, addr_t *a, socklen_t *len) {
    memset(a, 0, sizeof *a);
    if (inet_pton(AF_INET, ip, &a->v4.sin_addr) == 1) {
        a->v4.sin_family = AF_INET;
        a->v4.sin_port = htons((uint16_t)port);
        *len = sizeof a->v4;
        return 0;
    }
    char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
    if (strlen(ip) >= sizeof buf) return -1;
    strcpy(buf, ip);
    char *zone = strchr(buf, '%');
    if (zone) *zone++ = 0;
    if (inet_pton(AF_INET6, buf, &a->v6.sin6_addr) != 1) return -1;
    a->v6.sin6_family = AF_INET6;
    a->v6.sin6_port = htons((uint16_t)port);
    if (zone) {
        char *end;
        unsigned long idx = strtoul(zone, &end, 10);
        a->v6.sin6_scope_id = *end == 0 ? (uint32_t)idx : if_nametoindex(zone);
    }
    *len = sizeof a->v6;
    return 0;
}

static int same_peer(const addr_t *a, const addr_t *b) {
    if (a->sa.sa_family != b->sa.sa_family) return 0;
    if (a->sa.sa_family == AF_INET)
        return a->v4.sin_port == b->v4.sin_port && a->v4.sin_addr.s_addr == b->v4.sin_addr.s_addr;
    return a->v6.sin6_port == b->v6.sin6_port && memcmp(&a->v6.sin6_addr, &b->v6.sin6_addr, 16) == 0;
}

/* One datagram from sock to `to`, or to its connected peer when `to` is NULL; a failed send is a
 * lost datagram, which retransmission covers. */
static void send_dgram(int sock, const addr_t *to, socklen_t to_len, const void *p, size_t n) {
    if (to) sendto(sock, p, n, MSG_DONTWAIT, &to->sa, to_len);
    else send(sock, p, n, MSG_DONTWAIT);
}

static void send_error(int sock, const addr_t *to, socklen_t to_len, int code, const char *msg) {
    unsigned char pkt[512];
    size_t n = strlen(msg);
    if (n > sizeof pkt - 5) n = sizeof pkt - 5;
    pkt[0] = 0;
    pkt[1] = OP_ERROR;
    pkt[2] = (unsigned char)(code >> 8);
    pkt[3] = (unsigned char)code;
    memcpy(pkt + 4, msg, n);
    pkt[4 + n] = 0;
    send_dgram(sock, to, to_len, pkt, 5 + n);
}

/* Where to send: nowhere to name when the socket is connected (open_tid connects it exactly when
 * the second socket exists), else the client's address. */
static const addr_t *client_of(const transfer_t *t) { return t->others >= 0 ? NULL : &t->client; }

static void to_client(transfer_t *t, const void *p, size_t n) { send_dgram(t->sock, client_of(t), t->client_len, p, n); }

static void end_event(transfer_t *t, const char *status, const char *reason) {
    char hex[401];
    emit("E %ld %s %lld %lld %lld %s\n", t->id, status, (long long)t->bytes, (long long)t->retransmits, (long long)t->dropped, hexed(reason, hex));
    t->ended = 1;
}

/* Send DATA k (absolute block number; the wire carries it modulo 65536: rollover). */
static int send_block(transfer_t *t, int64_t k) {
    int64_t off = (k - 1) * (int64_t)t->blksize;
    int64_t want = t->size - off;
    if (want > t->blksize) want = t->blksize;
    if (want < 0) want = 0;
    ssize_t got = 0;
    while (got < want) {
        ssize_t n = pread(t->fd, t->block + 4 + got, (size_t)(want - got), off + got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        if (n == 0) {
            errno = ENODATA; /* the file shrank */
            return -1;
        }
        got += n;
    }
    t->block[0] = 0;
    t->block[1] = OP_DATA;
    t->block[2] = (unsigned char)((k >> 8) & 0xff);
    t->block[3] = (unsigned char)(k & 0xff);
    to_client(t, t->block, (size_t)(4 + want)); /* a lost datagram is retransmitted */
    t->bytes += want;
    return 0;
}

/* The retransmission timeout, doubled per retry, capped (never below the negotiated timeout). */
static int interval(const transfer_t *t) {
    if (t->retries == 0) return t->timeout_ms;
    int cap = t->max_backoff_ms > t->timeout_ms ? t->max_backoff_ms : t->timeout_ms;
    int64_t v = (int64_t)t->timeout_ms << (t->retries > 20 ? 20 : t->retries);
    return v > cap ? cap : (int)v;
}

/* The OACK, or the window after the last acknowledged block. */
static void transmit(transfer_t *t) {
    t->sent_at_us = now_us();
    t->deadline_ms = t->sent_at_us / 1000 + interval(t);
    if (t->base < 0) {
        to_client(t, t->oack, t->oack_len);
        return;
    }
    int64_t to = t->base + t->windowsize;
    if (to > t->last_block) to = t->last_block;
    for (int64_t k = t->base + 1; k <= to; k++) {
        if (send_block(t, k) < 0) {
            char reason[128];
            snprintf(reason, sizeof reason, "read error: %s", strerror(errno));
            send_error(t->sock, client_of(t), t->client_len, 0, "read error");
            end_event(t, "failed", reason);
            return;
        }
    }
    t->sent = to;
}

static void on_ack(transfer_t *t, unsigned wire) {
    int64_t inflight = t->sent - t->base;
    int64_t delta = (int64_t)(((uint64_t)wire - (uint64_t)t->base) & 0xffff);
    /* 0: a duplicate, never answered (RFC 1123 §4.2.3.1, Sorcerer's Apprentice); beyond: stale */
    if (delta == 0 || delta > inflight) return;
    t->base += delta;
    if (t->acks++ == 0) emit("G %ld\n", t->id);
    int64_t rtt = now_us() - t->sent_at_us; /* RFC 6298-style smoothing, gain 1/8 */
    t->srtt_us = t->srtt_us == 0 ? rtt : t->srtt_us + (rtt - t->srtt_us) / 8;
    t->retries = 0;
    if (t->base >= t->last_block) return end_event(t, "completed", "done");
    transmit(t); /* a full window: the next; a partial one: resend from base+1 (RFC 7440 §4) */
}

/* A datagram from the client: ACK or ERROR; anything else is counted and dropped. */
static void on_client_packet(transfer_t *t, const unsigned char *p, ssize_t n) {
    if (n >= 4 && p[0] == 0 && p[1] == OP_ACK) return on_ack(t, ((unsigned)p[2] << 8) | p[3]);
    if (n >= 4 && p[0] == 0 && p[1] == OP_ERROR) {
        /* RFC 1350 §7: an ERROR ends the transfer and is never answered */
        char msg[101];
        int k = 0;
        for (ssize_t i = 4; i < n && p[i] && k < 100; i++) msg[k++] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
        msg[k] = 0;
        char reason[160];
        snprintf(reason, sizeof reason, "client error %u: %s", ((unsigned)p[2] << 8) | p[3], msg);
        return end_event(t, "aborted", reason);
    }
    t->dropped++;
}

/* One datagram from the transfer's socket (which = 0) or from the other peers' one (1); 0: none. */
static int on_readable(transfer_t *t, int which) {
    unsigned char rx[2048]; /* ACKs are 4 bytes, ERRORs short; longer datagrams are not ours */
    int fd = which ? t->others : t->sock;
    addr_t from;
    socklen_t from_len = sizeof from;
    ssize_t n = recvfrom(fd, rx, sizeof rx, MSG_DONTWAIT, &from.sa, &from_len);
    if (n < 0) {
        /* ICMP port unreachable on the connected socket: the client is gone */
        if (errno == ECONNREFUSED && !which) end_event(t, "aborted", "client port unreachable");
        return errno != EAGAIN && errno != EWOULDBLOCK;
    }
    /* the connected socket only receives the client's; an unconnected one (no second socket) all */
    if ((!which && t->others >= 0) || same_peer(&from, &t->client)) on_client_packet(t, rx, n);
    /* RFC 1350 §4: another TID -> ERROR 5 to it, the transfer goes on; an ERROR is never answered */
    else if (!(n >= 2 && rx[0] == 0 && rx[1] == OP_ERROR)) send_error(fd, &from, from_len, 5, "unknown transfer ID");
    return 1;
}

/*
 * Lock-step (RFC 1350) puts a full round trip into every block; sleeping in poll() after each
 * DATA adds a wake-up to it. When the client answers within microseconds (a firmware on the same
 * switch) and few transfers run, polling the socket for up to busy_us first saves that wake-up.
 * Only while the smoothed turnaround is within the budget (a slow client gets no spinning) and at
 * most busy_max transfers run (with more, the cores have other transfers' work to do).
 * Returns 1 when a datagram was handled.
 */
static int spin(transfer_t *t) {
    if (t->busy_us <= 0 || t->srtt_us > t->busy_us || __atomic_load_n(&nrunning, __ATOMIC_RELAXED) > t->busy_max) return 0;
    int64_t until = now_us() + t->busy_us;
    do {
        if (on_readable(t, 0)) return 1;
    } while (now_us() < until);
    return 0;
}

static void release(transfer_t *t) {
    pthread_mutex_lock(&lock);
    for (transfer_t **p = &running; *p; p = &(*p)->next)
        if (*p == t) {
            *p = t->next;
            __atomic_sub_fetch(&nrunning, 1, __ATOMIC_RELAXED);
            break;
        }
    pthread_mutex_unlock(&lock);
    if (t->sock >= 0) close(t->sock);
    if (t->others >= 0) close(t->others);
    if (t->fd >= 0) close(t->fd);
    if (t->wake >= 0) close(t->wake);
    free(t->oack);
    free(t->block);
    free(t->path);
    free(t);
}

static int open_tid(transfer_t *t);

/*
 * The file and the sockets are opened here, in the transfer's thread, not in the thread reading
 * commands: when a rack asks at once, the set-ups run side by side on the cores.
 */
static int setup(transfer_t *t) {
    char why[160] = "";
    struct stat st;
    t->fd = open(t->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (t->fd < 0) snprintf(why, sizeof why, "open: %s", strerror(errno));
    else if (fstat(t->fd, &st) != 0 || !S_ISREG(st.st_mode)) snprintf(why, sizeof why, "open: not a regular file");
    /* Corral stat()ed it and announced its size (RFC 2349 tsize): replaced since, it fails and
     * the client's next request sees the new one, rather than the new bytes cut to the old size. */
    else if (st.st_size != t->size) snprintf(why, sizeof why, "file changed");
    else if (open_tid(t) < 0) snprintf(why, sizeof why, "socket: %s", strerror(errno));
    if (why[0]) {
        end_event(t, "failed", why);
        return -1;
    }
    emit("P %ld %d\n", t->id, t->port);
    return 0;
}

static void *run(void *arg) {
    transfer_t *t = arg;
    if (setup(t) < 0) {
        release(t);
        return NULL;
    }
    pthread_mutex_lock(&lock);
    int cancelled = t->cancel_reason[0] != 0; /* while it was set up: poll() below sees it */
    pthread_mutex_unlock(&lock);
    if (!cancelled) transmit(t);
    while (!t->ended) {
        if (spin(t)) continue;
        struct pollfd fds[3] = {{.fd = t->sock, .events = POLLIN}, {.fd = t->wake, .events = POLLIN}, {.fd = t->others, .events = POLLIN}};
        int64_t wait = t->deadline_ms - now_ms();
        int n = poll(fds, t->others >= 0 ? 3 : 2, wait < 0 ? 0 : (int)wait);
        if (n < 0 && errno != EINTR) {
            end_event(t, "failed", "poll failed");
            break;
        }
        if (fds[1].revents) {
            if (t->cancel_notify) send_error(t->sock, client_of(t), t->client_len, 0, t->cancel_reason);
            end_event(t, "aborted", t->cancel_reason);
            break;
        }
        if (fds[0].revents) on_readable(t, 0);
        if (!t->ended && t->others >= 0 && fds[2].revents) on_readable(t, 1);
        if (t->ended || now_ms() < t->deadline_ms) continue;
        if (t->retries >= t->retries_max) {
            end_event(t, "failed", "timeout");
            break;
        }
        t->retries++;
        t->retransmits++;
        transmit(t); /* the OACK again, or the window from the block after the last ACK */
    }
    release(t);
    return NULL;
}

static int port_in_use(int port) {
    for (transfer_t *t = running; t; t = t->next)
        if (t->port == port) return 1;
    return 0;
}

static int bound_port(int sock) {
    addr_t a;
    socklen_t l = sizeof a;
    if (getsockname(sock, &a.sa, &l) != 0) return -1;
    return ntohs(a.sa.sa_family == AF_INET ? a.v4.sin_port : a.v6.sin6_port);
}

static int udp_socket(const addr_t *bind_to, socklen_t len) {
    int s = socket(bind_to->sa.sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s < 0) return -1;
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(s, &bind_to->sa, len) != 0) {
        close(s);
        return -1;
    }
    return s;
}

/*
 * The TID: an ephemeral port on bind-ip, connected to the client (the kernel then filters other
 * peers and skips a route lookup per datagram), plus an unconnected socket on the same port
 * (SO_REUSEADDR; Linux prefers the connected one for the client's datagrams) for other peers.
 * SO_REUSEADDR may hand out a port another transfer holds: another is tried then.
 */
static int open_tid(transfer_t *t) {
    addr_t any = t->local;
    socklen_t local_len = t->local_len;
    if (any.sa.sa_family == AF_INET) any.v4.sin_port = 0;
    else any.v6.sin6_port = 0;
    t->sock = udp_socket(&any, local_len);
    pthread_mutex_lock(&lock);
    for (int i = 0; i < 4 && t->sock >= 0 && port_in_use(bound_port(t->sock)); i++) {
        int next = udp_socket(&any, local_len);
        if (next < 0) break;
        close(t->sock);
        t->sock = next;
    }
    if (t->sock >= 0) t->port = bound_port(t->sock);
    pthread_mutex_unlock(&lock);
    if (t->sock < 0) return -1;
    addr_t same = any;
    if (same.sa.sa_family == AF_INET) same.v4.sin_port = htons((uint16_t)t->port);
    else same.v6.sin6_port = htons((uint16_t)t->port);
    t->others = udp_socket(&same, local_len);
    if (t->others >= 0 && connect(t->sock, &t->client.sa, t->client_len) != 0) {
        close(t->others);
        t->others = -1;
    }
    return t->port;
}

static void start_failed(long id, const char *why) {
    char hex[401];
    emit("E %ld failed 0 0 0 %s\n", id, hexed(why, hex));
}

/* T id bind-ip client-ip client-port blksize windowsize timeout-ms retries max-backoff-ms busy-us busy-max file-hex size oack-hex|- */
static void cmd_start(char **f, int nf) {
    if (nf != 15) return start_failed(nf > 1 ? atol(f[1]) : -1, "bad start command");
    long id = atol(f[1]);
    transfer_t *t = calloc(1, sizeof *t);
    if (!t) return start_failed(id, "out of memory");
    t->id = id;
    t->sock = t->others = t->fd = t->wake = -1;
    unsigned char path[4097];
    size_t path_len;
    char why[160] = "";
    t->blksize = atoi(f[5]);
    t->windowsize = atoi(f[6]);
    t->timeout_ms = atoi(f[7]);
    t->retries_max = atoi(f[8]);
    t->max_backoff_ms = atoi(f[9]);
    t->busy_us = atoi(f[10]);
    t->busy_max = atoi(f[11]);
    t->size = atoll(f[13]);
    size_t oack_hex = strcmp(f[14], "-") ? strlen(f[14]) : 0;
    if (parse_addr(f[2], 0, &t->local, &t->local_len) != 0) snprintf(why, sizeof why, "bad bind address");
    else if (parse_addr(f[3], atoi(f[4]), &t->client, &t->client_len) != 0) snprintf(why, sizeof why, "bad client address");
    else if (unhex(f[12], path, sizeof path - 1, &path_len) != 0) snprintf(why, sizeof why, "bad file name");
    else if (t->blksize < 8 || t->blksize > MAX_BLKSIZE || t->windowsize < 1 || t->timeout_ms < 1 || t->size < 0)
        snprintf(why, sizeof why, "bad transfer options");
    else if (!(t->block = malloc(4 + (size_t)t->blksize)) || (oack_hex && !(t->oack = malloc(oack_hex / 2 + 1))))
        snprintf(why, sizeof why, "out of memory");
    else if (oack_hex && unhex(f[14], t->oack, oack_hex / 2, &t->oack_len) != 0) snprintf(why, sizeof why, "bad OACK");
    else if (path[path_len] = 0, !(t->path = strdup((char *)path))) snprintf(why, sizeof why, "out of memory");
    else if ((t->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) snprintf(why, sizeof why, "eventfd: %s", strerror(errno));
    if (why[0]) {
        start_failed(id, why);
        return release(t);
    }
    t->last_block = t->size / t->blksize + 1;
    t->base = t->oack ? -1 : 0;
    /* Known from now on: a cancel (X) reaches it even while its thread sets it up. */
    pthread_mutex_lock(&lock);
    t->next = running;
    running = t;
    __atomic_add_fetch(&nrunning, 1, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&lock);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    pthread_t th;
    int err = pthread_create(&th, &attr, run, t);
    pthread_attr_destroy(&attr);
    if (err) {
        start_failed(id, "no thread");
        release(t);
    }
}

/* X id notify reason-hex */
static void cmd_cancel(char **f, int nf) {
    if (nf != 4) return;
    long id = atol(f[1]);
    unsigned char reason[256];
    size_t len;
    if (unhex(f[3], reason, sizeof reason - 1, &len) != 0) len = 0;
    reason[len] = 0;
    pthread_mutex_lock(&lock);
    for (transfer_t *t = running; t; t = t->next) {
        if (t->id != id) continue;
        if (t->cancel_reason[0] == 0) {
            snprintf(t->cancel_reason, sizeof t->cancel_reason, "%s", len ? (char *)reason : "cancelled");
            t->cancel_notify = atoi(f[2]);
            uint64_t one = 1;
            if (write(t->wake, &one, sizeof one) < 0) { /* already signalled */
            }
        }
        break;
    }
    pthread_mutex_unlock(&lock);
}

static void command(char *line) {
    char *f[16];
    int nf = 0;
    char *save = NULL;
    for (char *tok = strtok_r(line, " ", &save); tok && nf < 16; tok = strtok_r(NULL, " ", &save)) f[nf++] = tok;
    if (nf == 0) return;
    if (strcmp(f[0], "T") == 0) cmd_start(f, nf);
    else if (strcmp(f[0], "X") == 0) cmd_cancel(f, nf);
}

int main(void) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    signal(SIGPIPE, SIG_IGN);
    emit("R\n"); /* ready */
    static char in[1 << 16];
    size_t inlen = 0;
    for (;;) {
        ssize_t n = read(STDIN_FILENO, in + inlen, sizeof in - inlen);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return 0; /* Corral closed its end: the transfers go with this process */
        inlen += (size_t)n;
        size_t start = 0;
        for (size_t i = 0; i < inlen; i++) {
            if (in[i] != '\n') continue;
            in[i] = 0;
            command(in + start);
            start = i + 1;
        }
        memmove(in, in + start, inlen - start);
        inlen -= start;
        if (inlen == sizeof in) inlen = 0; /* a line longer than the buffer: not a command of ours */
    }
}
