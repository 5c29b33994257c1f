/**
 * The schema of a test file: flat v0.7 and legacy sections side by side. `[expect…]`,
 * `[[scenario]]`, `[service.*]`/`[services.*]` and `[otel]` are strict (unknown keys are
 * errors); other tables keep upstream's extra keys as warnings.
 */
import type { Field, Shape } from "./schema.js";

const str: Field = { t: "string" };
const nonEmpty: Field = { t: "string", nonEmpty: true };
const strArray: Field = { t: "array", of: { t: "string" } };
const strMap: Field = { t: "map", of: { t: "scalar" } };
const pair: Shape = { t: "array", of: { t: "string", nonEmpty: true }, len: 2 };
const pairs: Field = { t: "array", of: pair };
const bound: Shape = {
  t: "table",
  fields: { eq: { t: "int", min: 0 }, gte: { t: "int", min: 0 }, lte: { t: "int", min: 0 } },
};
const posInt: Field = { t: "int", min: 0 };
const limitFields = {
  cpu_millicores: { t: "int", min: 1 },
  memory_mb: { t: "int", min: 4 },
} as const satisfies Record<string, Field>;
const limits: Field = { t: "table", fields: limitFields };
/** The test's own [limits]: container limits plus the span cap of its store (issue 12). */
const testLimits: Field = {
  t: "table",
  fields: { ...limitFields, max_spans: { t: "int", min: 1 } },
};
export const SPAN_KINDS = ["internal", "server", "client", "producer", "consumer"] as const;
export const STATUS_NAMES = ["OK", "ERROR", "UNSET"] as const;

const step: Shape = {
  t: "table",
  fields: {
    name: { t: "string", nonEmpty: true, req: true },
    command: { t: "array", of: { t: "string" }, nonEmpty: true, req: true },
    service: str,
    env: strMap,
    workdir: str,
    expected_exit_code: { t: "int" },
    expected_output_regex: str,
    expected_output_regex_not: str,
    expected_output_contains: str,
    timeout_ms: { t: "int", min: 1 },
    continue_on_failure: { t: "bool" },
    description: str,
  },
};

const healthCheck: Field = {
  t: "table",
  fields: {
    cmd: { t: "array", of: { t: "string" }, nonEmpty: true },
    log: str,
    log_times: { t: "int", min: 1 },
    tcp_port: { t: "int", min: 1, max: 65535 },
    http: {
      t: "table",
      fields: {
        port: { t: "int", min: 1, max: 65535, req: true },
        path: str,
        status: { t: "int", min: 100, max: 599 },
      },
    },
    docker: { t: "bool" },
    interval: str,
    interval_ms: { t: "int", min: 1 },
    timeout: str,
    timeout_ms: { t: "int", min: 1 },
    retries: { t: "int", min: 0 },
  },
};

const service: Shape = {
  t: "table",
  strict: true,
  fields: {
    plugin: str,
    type: str,
    image: str,
    args: strArray,
    env: strMap,
    /** docker-compose's spelling (upstream fixtures use it): read as `env`, with a warning. */
    environment: strMap,
    ports: { t: "array", of: { t: "int", min: 1, max: 65535 } },
    volumes: {
      t: "array",
      of: {
        t: "table",
        fields: {
          host_path: { ...nonEmpty, req: true },
          container_path: { ...nonEmpty, req: true },
          read_only: { t: "bool" },
        },
      },
    },
    workdir: str,
    depends_on: strArray,
    health_check: healthCheck,
    wait_for_span: str,
    wait_for_span_timeout_secs: { t: "int", min: 1 },
    description: str,
    username: str,
    password: str,
    strict: { t: "bool" },
    limits,
    stop_timeout_ms: { t: "int", min: 0 },
    allow_exit: { t: "bool" },
  },
};

const scenario: Shape = {
  t: "table",
  strict: true,
  fields: {
    name: { t: "string", nonEmpty: true, req: true },
    service: str,
    run: {
      t: "either",
      options: [str, { t: "array", of: { t: "string" }, nonEmpty: true }],
      describe: 'a command string or an argv array such as ["sh", "-c", "echo $X"]',
    },
    steps: { t: "array", of: step },
    concurrent: { t: "bool" },
    timeout_ms: { t: "int", min: 1 },
    policy: { t: "any" },
    artifacts: { t: "table", fields: { collect: strArray } },
    env: strMap,
    expected_exit_code: { t: "int" },
    expected_output_regex: str,
    description: str,
  },
};

const spanExpect: Shape = {
  t: "table",
  fields: {
    name: { t: "string", nonEmpty: true, req: true },
    parent: str,
    kind: { t: "string", oneOf: SPAN_KINDS, ci: true },
    attrs: {
      t: "table",
      fields: {
        all: strMap,
        any: {
          t: "either",
          options: [strMap, strArray],
          describe: 'a table or an array of "key=value" strings',
        },
      },
    },
    events: { t: "table", fields: { any: strArray, all: strArray } },
    duration_ms: {
      t: "table",
      fields: { min: { t: "number", min: 0 }, max: { t: "number", min: 0 } },
    },
  },
};

const expect: Field = {
  t: "table",
  strict: true,
  fields: {
    span: { t: "array", of: spanExpect },
    graph: {
      t: "table",
      fields: { must_include: pairs, must_not_cross: pairs, acyclic: { t: "bool" } },
    },
    counts: {
      t: "table",
      fields: {
        spans_total: bound,
        events_total: bound,
        errors_total: bound,
        by_name: { t: "map", of: bound },
        by_kind: { t: "map", of: bound },
      },
    },
    window: {
      t: "array",
      of: {
        t: "table",
        fields: {
          outer: { ...nonEmpty, req: true },
          contains: { ...strArray, nonEmpty: true, req: true },
        },
      },
    },
    order: { t: "table", fields: { must_precede: pairs, must_follow: pairs } },
    status: {
      t: "table",
      fields: {
        all: { t: "string", oneOf: STATUS_NAMES, ci: true },
        by_name: { t: "map", of: { t: "string", oneOf: STATUS_NAMES, ci: true } },
      },
    },
    hermeticity: {
      t: "table",
      fields: {
        no_external_services: { t: "bool" },
        resource_attrs: { t: "table", fields: { must_match: strMap } },
        span_attrs: { t: "table", fields: { forbid_keys: strArray } },
        resource_attrs_must_match: strMap,
        span_attrs_forbid_keys: strArray,
      },
    },
  },
};

export const TEST_FILE_SCHEMA: Shape = {
  t: "table",
  fields: {
    meta: {
      t: "table",
      fields: { name: { ...nonEmpty, req: true }, version: str, description: str },
    },
    test: {
      t: "table",
      fields: {
        metadata: {
          t: "table",
          req: true,
          fields: {
            name: { ...nonEmpty, req: true },
            description: str,
            timeout: str,
            version: str,
            tags: strArray,
            hermetic: { t: "bool" },
            author: str,
            timeout_seconds: posInt,
          },
        },
      },
    },
    vars: { t: "any" },
    matrix: { t: "map", of: { t: "array", of: { t: "scalar" } } },
    otel: {
      t: "table",
      strict: true,
      fields: {
        exporter: {
          t: "string",
          oneOf: ["stdout", "otlp", "otlp-http", "otlp-grpc", "jaeger", "zipkin", "none"],
          ci: true,
        },
        endpoint: str,
        protocol: { t: "string", oneOf: ["http/protobuf", "http/json", "grpc"] },
        sample_ratio: { t: "number", min: 0, max: 1 },
        resources: strMap,
        headers: strMap,
        propagators: { t: "table", fields: { use: { ...strArray, req: true } } },
      },
    },
    service: { t: "map", of: service },
    services: { t: "map", of: service },
    scenario: { t: "array", of: scenario },
    steps: { t: "array", of: step },
    expect,
    limits: testLimits,
    determinism: { t: "table", fields: { seed: posInt, freeze_clock: str } },
    report: { t: "table", fields: { json: str, junit: str, digest: str, html: str } },
    assertions: { t: "map", of: { t: "any" } },
    otel_validation: { t: "any" },
  },
};
