#!/bin/sh
# A batch job without an OpenTelemetry SDK: it prints its spans to stdout, one JSON object per
# line (NDJSON), and joins clnrm's trace through TRACEPARENT (00-<trace id>-<parent id>-<flags>).
set -eu
tp=${TRACEPARENT:-00-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')-0000000000000000-01}
trace_id=$(echo "$tp" | cut -d- -f2)
parent_id=$(echo "$tp" | cut -d- -f3)
new_id() { head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
# busybox `date` has no %N: the epoch second at start plus /proc/uptime's centiseconds since.
up_cs() { cut -d' ' -f1 /proc/uptime | tr -d .; }
base_ns=$(($(date +%s) * 1000000000)); up0=$(up_cs)
now() { echo $((base_ns + ($(up_cs) - up0) * 10000000)); }
span() { # name id parent start end attributes-json
  printf '{"name":"%s","trace_id":"%s","span_id":"%s","parent_span_id":"%s","kind":"internal","start_time_unix_nano":"%s","end_time_unix_nano":"%s","attributes":%s,"status":{"code":"OK"},"resource":{"service.name":"nightly-export"}}\n' \
    "$1" "$trace_id" "$2" "$3" "$4" "$5" "$6"
}
job=$(new_id); job_start=$(now)
rows=0
for table in customers orders; do
  id=$(new_id); t0=$(now)
  n=$(seq 1 3 | wc -l); rows=$((rows + n)); sleep 0.05
  span "export.table" "$id" "$job" "$t0" "$(now)" "{\"table\":\"$table\",\"rows\":$n}"
done
span "export.run" "$job" "$parent_id" "$job_start" "$(now)" "{\"rows.total\":$rows}"
echo "exported $rows rows" >&2
