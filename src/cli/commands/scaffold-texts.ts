/**
 * The files `clnrm init` writes and the starter templates of `clnrm template <kind>`.
 * A backslash at the end of a line inside these templates is a JavaScript line continuation:
 * the written file has the next line joined to it (this keeps source lines within 100).
 */

export const EXAMPLE_CONFIG = `# clnrm project configuration. \
Every field has a default; see the README.
[containers]
default_image = "alpine:latest"
pull_policy = "if-not-present"

# Offline / mirror use: map image references to local images (built by \`npm run setup\`).
[images.aliases]
"alpine:latest" = "clnrm/busybox:local"
"node:20" = "clnrm/node:20"
`;

export const EXAMPLE_TEST = `# An example clnrm test: \
the scenario does real work in a fresh container and reports it
# as an OpenTelemetry span over OTLP/HTTP. The test passes because the span proves the work.
[meta]
name = "example"
version = "1.0.0"
description = "checksum a file and prove it with a span"

[otel]
exporter = "otlp"

[service.worker]
image = "alpine:latest"

[[scenario]]
name = "checksum"
service = "worker"
run = "sh -c 'eval \\"$SCRIPT\\"'"
timeout_ms = 30000

[scenario.env]
# clnrm injects OTEL_EXPORTER_OTLP_ENDPOINT and TRACEPARENT; the span joins the run's trace.
SCRIPT = '''
# Wall clock in ns from busybox adjtimex; its tv_usec holds ns when status has STA_NANO (8192).
now() { adjtimex | awk '/status:/ {n=int($2/8192)%2} /tv_sec/ {s=$2} /tv_usec/ {u=$2}
  END {if (n) printf "%s%09d", s, u; else printf "%s%06d000", s, u}'; }
start=$(now)
echo "hello cleanroom" > /tmp/data
sum=$(sha256sum /tmp/data | cut -d" " -f1)
end=$(now)
trace=$(echo "$TRACEPARENT" | cut -d- -f2)
parent=$(echo "$TRACEPARENT" | cut -d- -f3)
span=$(head -c8 /dev/urandom | od -An -tx1 | tr -d " \\n")
body='{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name",\
"value":{"stringValue":"worker"}}]},"scopeSpans":[{"spans":[{"traceId":"'$trace'",\
"spanId":"'$span'","parentSpanId":"'$parent'","name":"example.checksum","kind":1,\
"startTimeUnixNano":"'$start'","endTimeUnixNano":"'$end'","attributes":[{"key":"file",\
"value":{"stringValue":"/tmp/data"}},{"key":"sha256","value":{"stringValue":"'$sum'"}}],\
"status":{"code":1}}]}]}]}'
wget -q -O /dev/null --header=Content-Type:application/json --post-data="$body" \
"$OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces"
echo "checksum $sum"
'''

[[expect.span]]
name = "example.checksum"
attrs.all = { file = "/tmp/data", sha256 = \
"ad2c7d8f3f296bda643e67d00ea55e63d1ea9dc7b90c06c27d0ce6b62899247f" }
duration_ms = { min = 0, max = 10000 }

[expect.counts]
spans_total = { eq = 1 }

[expect.status]
all = "OK"

[expect.hermeticity]
no_external_services = true
resource_attrs.must_match = { "service.name" = "worker" }
`;

const OTEL = `{# clnrm template: one service, one scenario, span expectations. \
Render: clnrm render this.clnrm.toml.tera --map svc=myapp #}
[meta]
name = "{{ svc }}_otel"
version = "1.0.0"
description = "telemetry-proven test for {{ svc }}"

[vars]
svc = "{{ svc }}"
env = "{{ env }}"

[otel]
exporter = "otlp"
resources = { "service.name" = "{{ svc }}", env = "{{ env }}" }

[service.{{ svc }}]
image = "{{ image | default(value="alpine:latest") }}"

[[scenario]]
name = "smoke"
service = "{{ svc }}"
run = "sh -c 'echo replace me with the command under test'"

[[expect.span]]
name = "{{ svc }}.request"
kind = "server"

[expect.status]
all = "OK"
`;

const MACROS = `{% import "_macros.toml.tera" as m %}
[meta]
name = "macros_demo"
version = "1.0.0"

[[scenario]]
name = "demo"
run = "true"

{{ m::span(name="http.request", kind="server", attrs={"http.method": "GET"}) }}
{{ m::lifecycle(service="postgres") }}
{{ m::edges(pairs=[["http.request", "db.query"]]) }}
{{ m::window(start="http.request", end="db.query") }}
{{ m::count(kind="server", min=1, max=5) }}
`;

const FULL = `[meta]
name = "full_validation"
version = "1.0.0"
description = "every expectation block"

[otel]
exporter = "otlp"

[service.app]
image = "alpine:latest"

[[scenario]]
name = "run"
service = "app"
run = "sh -c 'echo replace me'"

[[expect.span]]
name = "app.root"
kind = "server"
attrs.all = { "http.route" = "/" }
attrs.any = ["status=ok", "result=pass"]
events.any = ["started"]
duration_ms = { min = 0, max = 60000 }

[expect.graph]
must_include = [["app.root", "app.child"]]
must_not_cross = [["app.child", "app.root"]]
acyclic = true

[expect.counts]
spans_total = { gte = 2, lte = 100 }
errors_total = { eq = 0 }
by_name = { "app.*" = { gte = 2 } }

[[expect.window]]
outer = "app.root"
contains = ["app.child"]

[expect.order]
must_precede = [["app.child", "app.last"]]

[expect.status]
all = "OK"

[expect.hermeticity]
no_external_services = true
resource_attrs.must_match = { "service.name" = "app" }
span_attrs.forbid_keys = ["http.url"]
`;

const DETERMINISTIC = `[meta]
name = "deterministic_{{ svc }}"
version = "1.0.0"

[determinism]
seed = 42
freeze_clock = "2025-01-01T00:00:00Z"

[vars]
run_id = "{{ uuid_v4() }}"
started = "{{ now_rfc3339() }}"
user = "{{ fake_name() }}"

[[scenario]]
name = "print"
run = "sh -c 'echo $CLNRM_SEED $CLNRM_FREEZE_CLOCK'"
expected_output_regex = "^42 2025-01-01T00:00:00Z$"
`;

const MATRIX = `# A matrix test: run once per combination of the [matrix] arrays
# (their cartesian product).
# Each run is named matrix_example[image=…,greeting=…] and reported and cached on its own.
[meta]
name = "matrix_example"

[matrix]
image = ["alpine:latest"]
greeting = ["hello", "bonjour"]

[service.app]
image = "{{ matrix.image }}"

[[scenario]]
name = "greet"
service = "app"
run = ["echo", "{{ matrix.greeting }}"]
expected_output_regex = "{{ matrix.greeting }}"
`;

export const TEMPLATES: Readonly<Record<string, string>> = {
  matrix: MATRIX,
  otel: OTEL,
  macros: MACROS,
  "full-validation": FULL,
  deterministic: DETERMINISTIC,
  example: EXAMPLE_TEST,
};
