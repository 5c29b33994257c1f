/** render + parse + validate of a realistic 200-line template, hot. */
import { loadTestSource } from "../src/config/load.js";
import { TemplateRenderer } from "../src/template/render.js";
import { fmt, percentile, timeIt } from "./stats.js";

function realisticTemplate(): string {
  const lines: string[] = [
    '{% import "_macros.toml.tera" as m %}',
    "[meta]",
    'name = "{{ svc }}_checkout_suite"',
    'version = "1.0.0"',
    'description = "checkout flow across services"',
    "[vars]",
    'svc = "{{ svc }}"',
    'env = "{{ env }}"',
    'region = "eu-west-1"',
    "[determinism]",
    "seed = 42",
    'freeze_clock = "2025-01-01T00:00:00Z"',
    "[otel]",
    'exporter = "otlp"',
    'resources = { "service.name" = "{{ svc }}", env = "{{ env }}" }',
  ];
  for (const s of ["api", "db", "cache", "queue", "worker"])
    lines.push(
      `[service.${s}]`,
      'image = "alpine:latest"',
      `env = { NAME = "${s}", ID = "{{ uuid_v4() }}", USER = "{{ fake_name() }}" }`,
      `args = ["sh", "-c", "echo ${s} ready; sleep 30"]`,
      `health_check = { log = "${s} ready" }`,
    );
  for (let i = 0; i < 12; i++)
    lines.push(
      "[[scenario]]",
      `name = "flow_${i}"`,
      `service = "${["api", "worker"][i % 2]}"`,
      `run = "sh -c 'echo step ${i} {{ fake_int_range(min=1, max=9) }}'"`,
      "timeout_ms = 30000",
      `env = { STEP = "${i}", TOKEN = "{{ sha256(s=svc ~ '${i}') }}" }`,
    );
  lines.push(
    "{% for s in ['api', 'db', 'cache', 'queue', 'worker'] %}",
    '{{ m::span(name=s ~ ".request", kind="server", attrs={"component": s}) }}',
    "{% endfor %}",
  );
  for (let i = 0; i < 10; i++)
    lines.push(
      "[[expect.span]]",
      `name = "flow.step.${i}"`,
      'parent = "flow.root"',
      'attrs.any = ["status=ok", "result=pass"]',
      "duration_ms = { min = 0, max = 60000 }",
    );
  lines.push(
    "[expect.graph]",
    'must_include = [["flow.root", "flow.step.0"], ["flow.root", "flow.step.1"]]',
    "acyclic = true",
    "[expect.counts]",
    "spans_total = { gte = 10, lte = 500 }",
    'by_name = { "flow.step.*" = { eq = 10 } }',
  );
  lines.push(
    "[expect.status]",
    'by_name = { "flow.*" = "OK" }',
    "[expect.hermeticity]",
    "no_external_services = true",
    'resource_attrs.must_match = { env = "{{ env }}" }',
  );
  while (lines.length < 200)
    lines.push(`# filler comment ${lines.length} for a realistic file length`);
  return lines.join("\n");
}

export async function benchAuthoring(): Promise<string> {
  const src = realisticTemplate();
  const renderer = new TemplateRenderer();
  // Warm-up: faker import, compile caches.
  await loadTestSource(src, "bench.clnrm.toml.tera", { env: {}, renderer });
  for (let i = 0; i < 20; i++)
    await loadTestSource(src, "bench.clnrm.toml.tera", { env: {}, renderer });
  const samples: number[] = [];
  for (let i = 0; i < 300; i++)
    samples.push(
      await timeIt(() => loadTestSource(src, "bench.clnrm.toml.tera", { env: {}, renderer })),
    );
  return (
    `| render + parse + validate, ${src.split("\n").length}-line template (hot, n=300) | p50 ` +
    `${fmt(percentile(samples, 50))} ms, p95 ${fmt(percentile(samples, 95))} ms | p95 ≤ 20 ms |`
  );
}
