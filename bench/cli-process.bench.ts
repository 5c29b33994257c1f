/**
 * The whole `clnrm` process as a user pays it: the built CLI spawned as a child process, timed
 * from spawn to exit, against its floor in the same loop, pair by pair (A then B, N times):
 * `--version` / `--help` / `validate` vs `node -e 0`; `run` of one echo scenario vs
 * `docker run --rm` of the same image and command; 20 one-scenario tests at `-j 4` vs 20
 * `docker run --rm` through `xargs -P4`. Peak RSS comes from `/usr/bin/time -v` (Debian
 * package `time`, installed by `npm run setup`). Usage: `node dist/bench/cli-process.bench.js`.
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PROJECT_ROOT } from "../src/core/paths.js";
import { echoSpanScenario, ndjsonSpan } from "../test/helpers/fixtures.js";
import { fmt, median } from "./stats.js";

const IMAGE = "clnrm/busybox:local";
const DOCKER = "/usr/bin/docker";
const TIME = "/usr/bin/time";
const CLI = path.join(PROJECT_ROOT, "dist/src/cli/main.js");
const SPAN = ndjsonSpan("work");

interface Sample {
  readonly ms: number;
  readonly rssKiB: number;
}

/** Runs argv under `/usr/bin/time -v`; wall time from spawn to exit, peak RSS of the child. */
function measure(argv: readonly string[], cwd: string): Promise<Sample> {
  const out = path.join(os.tmpdir(), `clnrm-bench-time-${process.pid}.txt`);
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(TIME, ["-v", "-o", out, ...argv], { cwd, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    p.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    p.on("error", reject);
    p.on("close", (code) => {
      const ms = performance.now() - t0;
      const report = fs.readFileSync(out, "utf8");
      fs.rmSync(out, { force: true });
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(report);
      if (code !== 0) reject(new Error(`${argv.join(" ")} exited ${code}: ${err.slice(-2000)}`));
      else resolve({ ms, rssKiB: Number(rss?.[1] ?? 0) });
    });
  });
}

export interface Pair {
  /** Key of the figures measured before issue 11 (BEFORE). */
  readonly key: string;
  readonly label: string;
  readonly a: readonly string[];
  readonly b: readonly string[];
  readonly floor: string;
  /** Largest acceptable ratio a/b (issue 11); none for a row that explains another. */
  readonly target?: number;
  readonly n: number;
}

export interface PairResult {
  readonly pair: Pair;
  readonly a: number;
  readonly b: number;
  readonly rssA: number;
  readonly rssB: number;
  /** Median of the per-round ratios a/b (each round's pair measured back to back). */
  readonly ratio: number;
  /** The same command from another build (CLNRM_BENCH_BEFORE_CLI), in the same rounds. */
  readonly before?: { readonly ms: number; readonly ratio: number; readonly rssKiB: number };
}

/**
 * CLNRM_BENCH_BEFORE_CLI=/path/to/other/dist/src/cli/main.js measures that build's command too,
 * in the same rounds (A, before, B): a before/after comparison under the same load.
 */
const BEFORE_CLI = process.env.CLNRM_BENCH_BEFORE_CLI;

async function runPair(p: Pair, cwd: string): Promise<PairResult> {
  const other = BEFORE_CLI ? p.a.map((w) => (w === CLI ? BEFORE_CLI : w)) : undefined;
  await measure(p.a, cwd); // warm-up: page cache, compile cache, image layers
  if (other) await measure(other, cwd);
  await measure(p.b, cwd);
  const a: Sample[] = [];
  const o: Sample[] = [];
  const b: Sample[] = [];
  for (let i = 0; i < p.n; i++) {
    a.push(await measure(p.a, cwd));
    if (other) o.push(await measure(other, cwd));
    b.push(await measure(p.b, cwd));
  }
  const m = (s: Sample[], k: keyof Sample): number => median(s.map((x) => x[k]));
  const ratios = (s: Sample[]): number => median(s.map((x, i) => x.ms / b[i]!.ms));
  return {
    pair: p,
    a: m(a, "ms"),
    b: m(b, "ms"),
    rssA: m(a, "rssKiB"),
    rssB: m(b, "rssKiB"),
    ratio: ratios(a),
    before: other ? { ms: m(o, "ms"), ratio: ratios(o), rssKiB: m(o, "rssKiB") } : undefined,
  };
}

/** A scratch project: cleanroom.toml with the local busybox image, one test and 20 tests. */
function project(): { dir: string; one: string; many: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "clnrm-bench-cli-"));
  fs.writeFileSync(
    path.join(dir, "cleanroom.toml"),
    `[containers]\ndefault_image = "${IMAGE}"\n[reporting]\nreport_dir = "reports"\n`,
  );
  const test = (name: string): string =>
    `[meta]\nname = "${name}"\n${echoSpanScenario("emit", SPAN)}[[expect.span]]\nname = "work"\n`;
  const one = path.join(dir, "one");
  const many = path.join(dir, "many");
  fs.mkdirSync(one);
  fs.mkdirSync(many);
  fs.writeFileSync(path.join(one, "echo.clnrm.toml"), test("echo"));
  for (let i = 0; i < 20; i++)
    fs.writeFileSync(path.join(many, `t${String(i).padStart(2, "0")}.clnrm.toml`), test(`t${i}`));
  return { dir, one, many };
}

/**
 * User-defined networks made before the rounds, for the rows that price running on one (`dns`,
 * `j4dns`: one per lane, as clnrm's pool gives each of 4 concurrent tests its own).
 */
const PRICED_PREFIX = `clnrm-bench-net-${process.pid}`;
const PRICED_NETWORKS = [0, 1, 2, 3].map((i) => `${PRICED_PREFIX}-${i}`);
const PRICED_NETWORK = PRICED_NETWORKS[0]!;
/** One `docker run --rm` of the j4dns row: $1 picks the network, $2 is the span printed. */
const LANE =
  `exec ${DOCKER} run --rm --network ${PRICED_PREFIX}-$(( $1 % 4 )) ` +
  `-e "SPAN=$2" ${IMAGE} sh -c 'echo "$SPAN"'`;

function pairs(p: { one: string; many: string }, n: number): Pair[] {
  const node = [process.execPath, "-e", "0"];
  const dockerRun = [
    DOCKER,
    "run",
    "--rm",
    "-e",
    `SPAN=${SPAN}`,
    IMAGE,
    "sh",
    "-c",
    'echo "$SPAN"',
  ];
  const file = path.join(p.one, "echo.clnrm.toml");
  return [
    {
      key: "version",
      label: "`clnrm --version`",
      a: [CLI, "--version"],
      b: node,
      floor: "`node -e 0`",
      target: 3,
      n,
    },
    {
      key: "help",
      label: "`clnrm --help`",
      a: [CLI, "--help"],
      b: node,
      floor: "`node -e 0`",
      target: 3,
      n,
    },
    {
      key: "validate",
      label: "`clnrm validate` one file",
      a: [CLI, "validate", file],
      b: node,
      floor: "`node -e 0`",
      target: 4,
      n,
    },
    {
      key: "run",
      label: "`clnrm run` one echo-span scenario (`--no-cache`)",
      a: [CLI, "run", "--no-cache", "-j", "1", file],
      b: dockerRun,
      floor: "`docker run --rm` same image and command",
      target: 1.5,
      n,
    },
    {
      key: "isolated",
      label: "`clnrm run` one echo-span scenario (`--no-cache`)",
      a: [CLI, "run", "--no-cache", "-j", "1", file],
      // the work clnrm does for a test's isolation, with the Docker CLI; $$ names it per round
      b: [
        "sh",
        "-c",
        `${DOCKER} network create clnrm-bench-$$ >/dev/null && ` +
          `${[...dockerRun.slice(0, 2), "--network", "clnrm-bench-$$", ...dockerRun.slice(2)]
            .map((w) => (w.includes("$$") ? w : shq(w)))
            .join(" ")}; ${DOCKER} network rm clnrm-bench-$$ >/dev/null`,
      ],
      floor:
        "the same isolated work with the Docker CLI (`network create`, `run --rm --network`, " +
        "`network rm`)",
      n,
    },
    {
      key: "dns",
      label: "`docker run --rm` on a user-defined network (made beforehand)",
      a: [...dockerRun.slice(0, 2), "--network", PRICED_NETWORK, ...dockerRun.slice(2)],
      b: dockerRun,
      floor: "`docker run --rm` on the default bridge",
      n,
    },
    {
      key: "j4",
      label: "20 one-scenario tests, `clnrm run -j 4 --no-cache`",
      a: [CLI, "run", "--no-cache", "-j", "4", p.many],
      b: ["sh", "-c", `seq 20 | xargs -P4 -I{} ${dockerRun.map(shq).join(" ")}`],
      floor: "20 × `docker run --rm` via `xargs -P4`",
      target: 1.3,
      n: Math.max(3, Math.ceil(n / 2)),
    },
    {
      key: "j4dns",
      label: "20 × `docker run --rm` via `xargs -P4`, each on one of 4 user-defined networks",
      // lane.sh's $1 is 1..20 from seq: the network is chosen by $1 mod 4 (fixed names)
      a: ["sh", "-c", `seq 20 | xargs -P4 -I{} sh -c ${shq(LANE)} lane {} ${shq(SPAN)}`],
      b: ["sh", "-c", `seq 20 | xargs -P4 -I{} ${dockerRun.map(shq).join(" ")}`],
      floor: "the same on the default bridge",
      n: Math.max(3, Math.ceil(n / 2)),
    },
  ];
}

/** Quotes one word for the benchmark's own fixed `sh -c` line (no user input reaches it). */
function shq(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

const mib = (kib: number): string => `${(kib / 1024).toFixed(0)} MiB`;

/**
 * The same benchmark at commit 0187f60, before issue 11 (2026-12-02, this 2-core machine under
 * load from parallel work, load average 4–11; medians of 7 pairs, 4 for the -j 4 case).
 */
const BEFORE: Record<string, string> = {
  version: "9129 ms vs 405 ms = 22.53×; 241 MiB",
  help: "6355 ms vs 199 ms = 31.87×; 242 MiB",
  validate: "5455 ms vs 160 ms = 34.14×; 242 MiB",
  run: "6925 ms vs 743 ms = 9.32×; 242 MiB",
  j4: "42061 ms vs 17973 ms = 2.34×; 242 MiB",
  isolated: "–",
  dns: "–",
  j4dns: "–",
};

/** The RESULTS.md section: header, table, and how to reproduce it. */
export function cliSection(rows: readonly string[]): string {
  const before = BEFORE_CLI
    ? `\`${BEFORE_CLI}\` (CLNRM_BENCH_BEFORE_CLI), run in the same rounds`
    : "the same benchmark at commit 0187f60";
  return `## Whole process (\`clnrm\` as a child process)

\`npm run bench -- cli\` (\`node dist/bench/run-all.js cli\`, \`bench/cli-process.bench.ts\`): the
built CLI spawned under \`/usr/bin/time -v\`, timed from spawn to exit, each command and its floor
run alternately (A, B, A, B, …); medians; peak RSS is the child's maximum resident set size.
Ratios are medians of the per-round ratios (each round's pair measured back to back). Before =
${before}. The machine is shared: ratios, measured pair by pair, are the
figures to compare; absolute times move with the load.

| measurement | before${BEFORE_CLI ? "" : " (0187f60)"} | now | target |
|---|---|---|---|
${rows.join("\n")}
`;
}

export async function benchCliProcess(
  n = Number(process.env.CLNRM_BENCH_N ?? 7),
): Promise<string[]> {
  const p = project();
  const rows: string[] = [];
  for (const net of PRICED_NETWORKS) {
    const made = spawnSync(DOCKER, ["network", "create", net], { encoding: "utf8" });
    if (made.status !== 0) throw new Error(`docker network create: ${made.stderr}`);
  }
  try {
    // CLNRM_BENCH_PAIRS=run,isolated,dns measures only those rows
    const only = process.env.CLNRM_BENCH_PAIRS?.split(",");
    for (const pair of pairs(p, n).filter((x) => !only || only.includes(x.key))) {
      const r = await runPair(pair, p.dir);
      const rssTarget = pair.label.includes("one echo") ? ", ≤ 120 MiB" : "";
      const before = r.before
        ? `${fmt(r.before.ms)} ms = ${r.before.ratio.toFixed(2)}× (same rounds); ` +
          mib(r.before.rssKiB)
        : BEFORE[pair.key];
      rows.push(
        `| ${pair.label} vs ${pair.floor}, median of ${pair.n} pairs | ${before} | ` +
          `${fmt(r.a)} ms vs ${fmt(r.b)} ms = ${r.ratio.toFixed(2)}×; ${mib(r.rssA)} ` +
          `(floor ${mib(r.rssB)}) | ${pair.target ? `≤ ${pair.target}×${rssTarget}` : "–"} |`,
      );
    }
  } finally {
    fs.rmSync(p.dir, { recursive: true, force: true });
    spawnSync(DOCKER, ["network", "rm", ...PRICED_NETWORKS]);
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`)
  process.stdout.write(cliSection(await benchCliProcess()));
