#!/bin/sh
# record.sh makes the analysis fixtures again from real traffic on lo:
# for each scenario of ./scenario, NAME.pcap (tcpdump's capture),
# NAME.tshark (tshark's TCP analysis of each frame, one line a frame,
# the fields of tsharkFields in analysis_test.go) and NAME.follow (the
# conversation as tshark's follow prints it; not for windowfull, whose
# frames are cut after the headers to keep the file small; for
# halfclose also chosen by its two ends, server first). The lossy
# scenario runs in a network namespace of its own where nftables drops
# one segment in twenty before the capture and one in twenty after. Run
# it as root, with tcpdump, tshark, nft and unshare installed, from
# anywhere:
#
#	sh inspect/analysis/testdata/record.sh
#
# New captures have new ports and timing: TestNotes names frames of these
# captures, and the inspector guide shows halfclose's conversation, so
# check both after recording again.
set -eu
cd "$(dirname "$0")"
fields="-e frame.number -e tcp.analysis.retransmission
	-e tcp.analysis.fast_retransmission -e tcp.analysis.spurious_retransmission
	-e tcp.analysis.out_of_order -e tcp.analysis.lost_segment
	-e tcp.analysis.ack_lost_segment -e tcp.analysis.duplicate_ack_num
	-e tcp.analysis.keep_alive -e tcp.analysis.keep_alive_ack
	-e tcp.analysis.zero_window -e tcp.analysis.zero_window_probe
	-e tcp.analysis.zero_window_probe_ack -e tcp.analysis.window_update
	-e tcp.analysis.window_full"

# record NAME PORT [SNAPLEN] captures scenario NAME, whole frames or the
# first SNAPLEN bytes of each (enough for the headers).
record() {
	name=$1 port=$2 snap=${3:-0}
	err=$(mktemp)
	tcpdump -Z root --immediate-mode -i lo -s "$snap" -U -w "$name.pcap" "tcp port $port" 2>"$err" &
	pid=$!
	i=0
	until grep -q "listening on" "$err"; do
		i=$((i + 1))
		[ $i -lt 100 ] || { cat "$err"; exit 1; }
		sleep 0.1
	done
	# tcpdump says it listens a moment before its filter is in place.
	sleep 1
	./scenario.bin "$name" "$port"
	sleep 0.5
	kill "$pid"
	wait "$pid" || true
	rm -f "$err"
	# shellcheck disable=SC2086
	tshark -r "$name.pcap" -T fields -E separator=, $fields >"$name.tshark" 2>/dev/null
	if [ "$snap" = 0 ]; then
		tshark -r "$name.pcap" -q -z follow,tcp,ascii,0 >"$name.follow" 2>/dev/null
	fi
}

if [ "${1:-}" = lossy ]; then
	ip link set lo up
	ip link set lo mtu 1500
	# One segment in twenty is lost before the capture sees it, one in
	# twenty after: the capture shows the gaps and the retransmissions.
	nft -f - <<NFT
table inet lossy {
	chain out {
		type filter hook output priority 0; policy accept;
		tcp sport 39106 numgen random mod 20 == 0 drop
		tcp dport 39106 numgen random mod 20 == 0 drop
	}
	chain in {
		type filter hook input priority 0; policy accept;
		tcp sport 39106 numgen random mod 20 == 0 drop
		tcp dport 39106 numgen random mod 20 == 0 drop
	}
}
NFT
	record lossy 39106
	exit
fi

go build -o scenario.bin ./scenario
trap 'rm -f scenario.bin' EXIT
record keepalive 39101
record halfclose 39102
port=$(tshark -r halfclose.pcap -T fields -e tcp.srcport -c 1 2>/dev/null)
tshark -r halfclose.pcap -q -z "follow,tcp,ascii,127.0.0.1:39102,127.0.0.1:$port" \
	>halfclose-ends.follow 2>/dev/null
record unread 39103
record refused 39104
record zerowindow 39105
record windowfull 39107 128
unshare -n sh "$0" lossy
