#!/usr/bin/env bash
# The whole containment loop, live, on a wire: a subscriber host
# (100.64.0.7, a consumer) sends a message through spamwall-dataplane (live
# mode, net_af_packet on veth pairs in network namespaces) to postfix, the
# ISP's relay (198.51.100.10, submission port 587). Then:
#   1. `spamwallctl whois <its Message-ID>` names that subscriber;
#   2. an ARF complaint for it, fed to `spamwallctl complaint`, crosses the
#      policy's `complaints` threshold of 1 (action: quarantine);
#   3. the subscriber's next SMTP SYN is dropped as `quarantine` (the
#      second swaks gets no connection; the dataplane counts the drop);
#   4. the audit log names the threshold.
#
#   tests/live/smtp_loop_test.sh [BUILD_DIR]     (ctest: smtp_loop)
#
# Needs root (namespaces), postfix, swaks, ethtool, iproute2 and python3
# (scripts/setup-deps installs them); exits 77 (ctest: skipped) with the
# reason when one is missing. The namespaces, daemons and files are gone
# when it exits, however it exits (SMTP_LOOP_KEEP=1 keeps the work dir).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=${1:-${SPAMWALL_BUILD_DIR:-$ROOT/build}}

skip() { echo "smtp_loop: SKIPPED: $*" >&2; exit 77; }
[[ $(id -u) -eq 0 ]] || skip "needs root (ip netns)"
for tool in postfix swaks ethtool ip python3; do
  command -v "$tool" >/dev/null || [[ -x /usr/sbin/$tool ]] || skip "$tool is not installed (scripts/setup-deps)"
done
for bin in spamwall-dataplane spamwall-controld spamwallctl; do
  [[ -x $BUILD/$bin ]] || { echo "smtp_loop: $BUILD/$bin is not built" >&2; exit 1; }
done
PATH=$PATH:/usr/sbin

TAG=swl$$
NS_H=$TAG-h NS_R=$TAG-r NS_D=$TAG-d   # the subscriber, the relay, the dataplane
SUB=100.64.0.7 RELAY=198.51.100.10
W=$(mktemp -d /tmp/smtp-loop.XXXXXX)
DP_PID="" CTLD_PID=""

cleanup() {
  set +e
  trap '' INT TERM
  for pid in $CTLD_PID $DP_PID; do kill -TERM "$pid" 2>/dev/null; done
  for pid in $CTLD_PID $DP_PID; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
  done
  if [[ -f $W/pf/main.cf ]]; then ip netns exec "$NS_R" timeout 20 postfix -c "$W/pf" stop >/dev/null 2>&1; fi
  for ns in "$NS_H" "$NS_R" "$NS_D"; do
    if ip netns list | grep -qw "$ns"; then
      for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
      ip netns del "$ns"
    fi
  done
  [[ -n "${SMTP_LOOP_KEEP:-}" ]] && echo "smtp_loop: kept $W" >&2 || rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail() {
  echo "smtp_loop: FAILED: $*" >&2
  for f in controld.log dataplane.log maillog swaks1.log swaks2.log; do
    [[ -f $W/$f ]] && { echo "--- $f" >&2; tail -40 "$W/$f" >&2; }
  done
  exit 1
}

# --- the wire: host <-> dataplane <-> relay ---------------------------------
for ns in "$NS_H" "$NS_R" "$NS_D"; do ip netns add "$ns"; ip netns exec "$ns" ip link set lo up; done
ip link add "${TAG}h" type veth peer name "${TAG}dh"
ip link add "${TAG}r" type veth peer name "${TAG}dr"
ip link set "${TAG}h" netns "$NS_H"
ip link set "${TAG}r" netns "$NS_R"
ip link set "${TAG}dh" netns "$NS_D"
ip link set "${TAG}dr" netns "$NS_D"
inh() { ip netns exec "$NS_H" "$@"; }
inr() { ip netns exec "$NS_R" "$@"; }
ind() { ip netns exec "$NS_D" "$@"; }
inh ip addr add $SUB/32 dev "${TAG}h"
inr ip addr add $RELAY/32 dev "${TAG}r"
inh ip link set "${TAG}h" up
inr ip link set "${TAG}r" up
ind ip link set "${TAG}dh" up
ind ip link set "${TAG}dr" up
inh ip route add $RELAY/32 dev "${TAG}h"
inr ip route add $SUB/32 dev "${TAG}r"
# Checksums in software, no segmentation or coalescing: the dataplane sees
# the frames a wire would carry.
inh ethtool -K "${TAG}h" tx off tso off gso off gro off >/dev/null
inr ethtool -K "${TAG}r" tx off tso off gso off gro off >/dev/null
ind ethtool -K "${TAG}dh" tx off tso off gso off gro off >/dev/null
ind ethtool -K "${TAG}dr" tx off tso off gso off gro off >/dev/null

# --- the policy: every mail flow sampled, one complaint quarantines ------
sed -e 's/smtp_flow_rate: 64/smtp_flow_rate: 1/' -e "s|file: pools/|file: $ROOT/tests/fixtures/pools/|" \
  tests/fixtures/policy.yaml >"$W/policy.yaml"
cat >>"$W/policy.yaml" <<EOF
thresholds:
  - name: loop-one-complaint
    metric: complaints
    window: day
    limit: 1
    action: quarantine
EOF

# --- spamwall: the dataplane in its namespace, controld beside it ----------
AFP=qpairs=1,blocksz=4096,framesz=2048,framecnt=512
ind "$BUILD/spamwall-dataplane" --profile hw-profiles/af_packet.yaml --policy "$W/policy.yaml" \
  --control-socket "$W/dp.sock" -- --no-huge -m 512 --no-pci --no-shconf --no-telemetry \
  --file-prefix="$TAG" --lcores=0@0,1@1,2@0 \
  --vdev="net_af_packet0,iface=${TAG}dh,$AFP" --vdev="net_af_packet1,iface=${TAG}dr,$AFP" \
  >"$W/dataplane.log" 2>&1 &
DP_PID=$!
for _ in $(seq 300); do [[ -S $W/dp.sock ]] && break; kill -0 $DP_PID 2>/dev/null || break; sleep 0.1; done
[[ -S $W/dp.sock ]] || fail "the dataplane did not come up"
mkdir -m 0700 "$W/state"
cat >"$W/controld.yaml" <<EOF
policy: $W/policy.yaml
socket: $W/ctl.sock
socket_group: ''
socket_mode: '0600'
dataplane_socket: $W/dp.sock
state_dir: $W/state
audit_log: $W/audit.log
prometheus: ''
EOF
"$BUILD/spamwall-controld" --config "$W/controld.yaml" >"$W/controld.log" 2>&1 &
CTLD_PID=$!
for _ in $(seq 300); do [[ -S $W/ctl.sock ]] && break; kill -0 $CTLD_PID 2>/dev/null || break; sleep 0.1; done
[[ -S $W/ctl.sock ]] || fail "controld did not come up"
ctl() { "$BUILD/spamwallctl" -s "$W/ctl.sock" "$@"; }
# A field of a JSON answer on stdin: py EXPR, with the answer as d.
py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
# controld has pushed the boot policy (generation 1) once policy show says so.
for _ in $(seq 100); do
  gen=$(ctl -j policy show 2>/dev/null | py '(d.get("current") or {}).get("generation",0)' 2>/dev/null || echo 0)
  [[ $gen -ge 1 ]] && break
  sleep 0.1
done

# --- the relay: a private postfix instance -------------------------------
mkdir -p "$W/pf" "$W/queue" "$W/data" "$W/mail"
chmod 755 "$W"
chown postfix: "$W/data" "$W/mail"
PF_UID=$(id -u postfix) PF_GID=$(id -g postfix)
cat >"$W/pf/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $W/queue
data_directory = $W/data
maillog_file = $W/maillog
maillog_file_prefixes = $W
myhostname = relay.example.net
mydomain = example.net
mydestination =
inet_interfaces = $RELAY
inet_protocols = ipv4
mynetworks = 100.64.0.0/10
smtpd_peername_lookup = no
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
alias_maps =
alias_database =
local_recipient_maps =
biff = no
virtual_mailbox_domains = example.net
virtual_mailbox_base = $W/mail
virtual_mailbox_maps = static:sink/
virtual_uid_maps = static:$PF_UID
virtual_gid_maps = static:$PF_GID
virtual_minimum_uid = 1
EOF
cat >"$W/pf/master.cf" <<EOF
$RELAY:587 inet n - n - - smtpd
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
verify    unix - - n - 1 verify
flush     unix n - n 1000? 0 flush
proxymap  unix - - n - - proxymap
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
virtual   unix - n n - - virtual
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
inr postfix -c "$W/pf" start >"$W/postfix-start.log" 2>&1 || fail "postfix did not start: $(cat "$W/postfix-start.log")"

# --- 1. a message through the dataplane, resolved by whois -----------------
MID="<loop.$$.$(date +%s)@pc.example.org>"
send() {  # send LOG: one message from the subscriber to the relay on 587
  inh timeout 30 swaks --server $RELAY --port 587 --from zombie@example.org --to rcpt@example.net \
    --header "Message-Id: $MID" --header "Subject: loop test" --body "hello from the loop" \
    --timeout 8 >"$W/$1" 2>&1
}
ok=0
for _ in $(seq 20); do  # ARP and the relay's start: the first try may come too early
  if send swaks1.log; then ok=1; break; fi
  sleep 0.5
done
((ok)) || fail "the message did not go through the dataplane"
found=0
for _ in $(seq 100); do
  found=$(ctl -j whois "$MID" | py 'len(d["messages"])')
  [[ $found -ge 1 ]] && break
  sleep 0.2
done
who=$(ctl -j whois "$MID" | py 'd["messages"][0]["subscriber"] if d["messages"] else ""')
[[ $who == "$SUB" ]] || fail "whois $MID gave '$who', not $SUB"
ctl whois "$MID"

# --- 2. an ARF complaint crosses the threshold -----------------------------
cat >"$W/arf.eml" <<EOF
From: fbl@mailbox.example
Message-ID: <fbl.$$@mailbox.example>
Subject: abuse report
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="fbl"

--fbl
Content-Type: text/plain

A user of ours reported this message as spam.
--fbl
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: loop-test/1.0
Version: 1

--fbl
Content-Type: message/rfc822

Message-Id: $MID
From: zombie@example.org
Subject: loop test

hello from the loop
--fbl--
EOF
ctl complaint "$W/arf.eml"
result=$(ctl -j events --type threshold_alert | py '",".join(e["threshold"]+":"+e["result"] for e in d["events"])')
[[ $result == "loop-one-complaint:ok" ]] || fail "threshold alert: '$result'"

# --- 3. the next SYN from the subscriber is dropped as quarantine ----------
drops() { ctl -j stats | py 'd["dropped"].get("quarantine",0)'; }
before=$(drops)
if send swaks2.log; then fail "the quarantined subscriber's message went through"; fi
after=$(drops)
((after > before)) || fail "no quarantine drop counted (before $before, after $after)"
echo "smtp_loop: quarantine drops $before -> $after"

# --- 4. the audit log names the threshold ----------------------------------
grep -q '"cmd":"threshold.quarantine"' "$W/audit.log" && grep -q 'loop-one-complaint' "$W/audit.log" ||
  fail "the audit log does not name the threshold"
echo "smtp_loop: PASSED"
