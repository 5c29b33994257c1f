/** Checks and parsers the test-file builder shares: service dependencies, duration strings. */
import { didYouMean } from "../core/suggest.js";
import type { ServiceConfig } from "./types.js";

type ErrorFn = (keyPath: string, message: string) => void;

/**
 * The network alias of the OTLP sidecar receiver (`--receiver sidecar`), reserved as a service
 * name: a service of that name would take the receiver's place on the test's network.
 */
export const SIDECAR_RECEIVER_ALIAS = "clnrm-otel";

export function checkDependencies(
  services: readonly ServiceConfig[],
  ids: ReadonlySet<string>,
  error: ErrorFn,
  section: (id: string) => string,
): void {
  for (const s of services)
    s.dependsOn.forEach((d, i) => {
      if (!ids.has(d)) {
        const near = didYouMean(d, ids);
        error(
          `${section(s.id)}.depends_on[${i}]`,
          `unknown service "${d}"${near ? ` (did you mean "${near}"?)` : ""}`,
        );
      }
    });
  const state = new Map<string, "visiting" | "done">();
  const byId = new Map(services.map((s) => [s.id, s]));
  const visit = (id: string, trail: string[]): void => {
    if (state.get(id) === "done") return;
    if (state.get(id) === "visiting") {
      error(
        `${section(id)}.depends_on`,
        `dependency cycle: ${[...trail.slice(trail.indexOf(id)), id].join(" → ")}`,
      );
      return;
    }
    state.set(id, "visiting");
    for (const d of byId.get(id)?.dependsOn ?? []) if (byId.has(d)) visit(d, [...trail, id]);
    state.set(id, "done");
  };
  for (const s of services) visit(s.id, []);
}

const DURATION = new RegExp(
  "^\\s*(\\d+(?:\\.\\d+)?)\\s*" +
    "(ms|s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?|d|days?)?\\s*$",
);

export function parseDurationMs(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? "s";
  const mult =
    unit === "ms"
      ? 1
      : unit.startsWith("s")
        ? 1000
        : unit.startsWith("m")
          ? 60_000
          : unit.startsWith("h")
            ? 3_600_000
            : 86_400_000;
  return Math.round(n * mult);
}
