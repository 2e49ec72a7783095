# bench/net/lib.sh - private networks for the benchmarks. Source it; it does nothing by itself.
#
# A lab is one network namespace (the "server") holding a bridge with the server's address, plus
# "hosts": further namespaces, each cabled to the bridge by a veth pair (its end is eth0). Nothing
# is connected to the machine's own network. Servers and clients run inside with net_in/net_start;
# net_cleanup (installed on EXIT by net_lab_up) kills whatever still runs in the lab's namespaces
# and deletes them, so an interrupted bench leaves nothing behind.
#
#   net_lab_up NAME ADDR/PREFIX        namespace NAME, bridge br0 with ADDR/PREFIX
#   net_host_add HOST ADDR/PREFIX      namespace NAME-HOST, eth0 with ADDR/PREFIX, on br0
#   net_in [HOST] -- CMD...            run CMD in the lab (or in its HOST)
#   net_run [HOST] -- CMD...           the same for long commands: a TERM or Ctrl-C cleans up at once
#   net_start PIDFILE LOG [HOST] -- CMD...   CMD in the background, in its own process group
#   net_stop PIDFILE                   TERM that process group, KILL it after 5 s
#   net_wait SECONDS CMD...            retry CMD every 0.1 s until it succeeds; 1 on timeout
#   net_udp_listening [HOST] PORT      something in the lab (or HOST) listens on UDP PORT
#   net_on_exit CMD                    also run CMD (a string) during cleanup, before the namespaces go
#   net_need_root WHAT, net_need_cmd CMD... , net_die MSG, net_ms (wall clock in ms)

NET_LAB=""          # the lab namespace; hosts are "$NET_LAB-<host>"
NET_BR=br0
NET_NAMESPACES=()   # created by us, deleted by net_cleanup (hosts first)
NET_EXIT_CMDS=()

net_die() { echo "${0##*/}: $*" >&2; exit 1; }
net_need_root() { [ "$(id -u)" = 0 ] || net_die "must run as root (${1:-network namespaces})"; }
net_need_cmd() {
    local c
    for c in "$@"; do command -v "$c" >/dev/null 2>&1 || net_die "missing command: $c${NET_HINT[$c]:+ (${NET_HINT[$c]})}"; done
}
declare -A NET_HINT=(
    [perfdhcp]="apt-get install kea-admin" [dnsmasq]="apt-get install dnsmasq" [ip]="apt-get install iproute2"
    [in.tftpd]="apt-get install tftpd-hpa" [atftp]="apt-get install atftp" [tftp]="apt-get install tftp-hpa"
    [wrk]="apt-get install wrk" [curl]="apt-get install curl" [ss]="apt-get install iproute2"
)
net_ms() { date +%s%3N; }

net_lab_up() {
    local name=$1 addr=$2
    ip netns list | awk '{print $1}' | grep -qx "$name" && net_die "namespace $name exists already"
    NET_LAB=$name
    trap net_cleanup EXIT
    trap 'exit 130' INT TERM HUP
    ip netns add "$name" || net_die "cannot create namespace $name"
    NET_NAMESPACES+=("$name")
    ip -n "$name" link set lo up
    ip -n "$name" link add "$NET_BR" type bridge forward_delay 0 stp_state 0
    ip -n "$name" addr add "$addr" dev "$NET_BR"
    ip -n "$name" link set "$NET_BR" up
    # IPv6 link-local chatter on the segment would only add noise to the measurements.
    ip netns exec "$name" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 || true
}

net_host_add() {
    local host=$1 addr=$2 ns="$NET_LAB-$1"
    ip netns add "$ns" || net_die "cannot create namespace $ns"
    NET_NAMESPACES=("$ns" "${NET_NAMESPACES[@]}")
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 || true
    ip -n "$ns" link set lo up
    ip -n "$NET_LAB" link add "v-$host" type veth peer name eth0 netns "$ns"
    ip -n "$NET_LAB" link set "v-$host" master "$NET_BR"
    ip -n "$NET_LAB" link set "v-$host" up
    ip -n "$ns" addr add "$addr" dev eth0
    ip -n "$ns" link set eth0 up
}

# Split "[HOST] -- CMD..." into NET_ARGS_NS and the command in NET_ARGS_CMD.
net_args() {
    NET_ARGS_NS=$NET_LAB
    if [ "$1" != -- ]; then NET_ARGS_NS="$NET_LAB-$1"; shift; fi
    [ "$1" = -- ] || net_die "net_in/net_start: expected -- before the command"
    shift
    NET_ARGS_CMD=("$@")
}

net_in() {
    net_args "$@"
    ip netns exec "$NET_ARGS_NS" "${NET_ARGS_CMD[@]}"
}

# Bash runs a trap only once the foreground command has ended; a background job it waits for
# lets the trap (and so net_cleanup, which ends CMD) run as soon as the signal arrives.
net_run() {
    net_args "$@"
    ip netns exec "$NET_ARGS_NS" "${NET_ARGS_CMD[@]}" &
    wait $!
}

# The background process is `ip netns exec` exec'ing setsid exec'ing CMD (setsid does not fork
# when its caller is not a group leader, as a job of a non-interactive shell is not), so $! is
# CMD's pid and its process group: net_stop then also reaches children CMD forks.
net_start() {
    local pidfile=$1 log=$2
    shift 2
    net_args "$@"
    ip netns exec "$NET_ARGS_NS" setsid "${NET_ARGS_CMD[@]}" > "$log" 2>&1 < /dev/null &
    echo $! > "$pidfile"
}

net_stop() {
    local pidfile=$1 pid target
    [ -f "$pidfile" ] || return 0
    pid=$(cat "$pidfile"); rm -f "$pidfile"
    [ -n "$pid" ] || return 0
    target=$pid
    [ "$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ')" = "$pid" ] && target="-$pid"
    kill -TERM -- "$target" 2>/dev/null || return 0
    net_wait 5 net_gone "$target" || kill -KILL -- "$target" 2>/dev/null
    wait "$pid" 2>/dev/null || true
}
net_gone() { ! kill -0 -- "$1" 2>/dev/null; }

net_wait() {
    local end=$(( $(net_ms) + $1 * 1000 ))
    shift
    until "$@" >/dev/null 2>&1; do
        [ "$(net_ms)" -lt "$end" ] || return 1
        sleep 0.1
    done
}

net_udp_listening() {  # [HOST] PORT
    local ns=$NET_LAB
    if [ $# = 2 ]; then ns="$NET_LAB-$1"; shift; fi
    ip netns exec "$ns" ss -Hlnu "sport = :$1" 2>/dev/null | grep -q .
}

net_on_exit() { NET_EXIT_CMDS+=("$1"); }

net_cleanup() {
    local rc=$? c ns p
    trap - EXIT INT TERM HUP
    for c in "${NET_EXIT_CMDS[@]}"; do eval "$c" || true; done
    # Only this run's processes live in these namespaces: end them by pid, hosts first.
    for ns in "${NET_NAMESPACES[@]}"; do
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$p" 2>/dev/null; done
        net_wait 3 net_ns_empty "$ns" || for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
        net_wait 2 net_ns_empty "$ns" || true
        ip netns del "$ns" 2>/dev/null || echo "${0##*/}: could not delete namespace $ns" >&2
    done
    NET_NAMESPACES=()
    exit "$rc"
}
net_ns_empty() { [ -z "$(ip netns pids "$1" 2>/dev/null)" ]; }
