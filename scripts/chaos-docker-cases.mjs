// The chaos cases with real containers (issue 12); registered after the in-process ones of
// chaos-cases.mjs, which imports this file.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import {
  ALREADY_SWEPT,
  cli,
  kase,
  leaks,
  lossMessage,
  mib,
  nodePid,
  test,
  waitFor,
  work,
} from "./chaos-kit.mjs";

// ---- real containers ----
kase(
  "SIGKILL the CLI mid-test",
  "kill -9 <clnrm>; clnrm run ok.clnrm.toml",
  async () => {
    const file = test("sleepy", "sleep 60");
    let pid;
    const p = cli(["run", "--no-cache", file], {
      onStart: (c) => setTimeout(() => (pid = nodePid(c)), 500),
    });
    await waitFor(() => pid && leaks(pid) >= 2, 60_000);
    const left = leaks(pid);
    process.kill(pid, "SIGKILL");
    await p;
    const next = await cli(["run", "--no-cache", test("ok", "true")]);
    const after = leaks(pid);
    return {
      // another clnrm on the same engine may sweep the dead run first: leaks 0 is what counts
      held: left >= 2 && after === 0 && next.code === 0,
      observed:
        `${left} resources left by the killed run; next run: ` +
        `"${next.out.match(/swept[^\n]*/)?.[0] ?? ALREADY_SWEPT}", exit ${next.code}; ` +
        `leaks ${after}`,
    };
  },
  true,
);

kase(
  "a background service dies mid-test",
  "service: echo …; exit 7, scenario: sleep 5",
  async () => {
    const file = path.join(work, "dies.clnrm.toml");
    fs.writeFileSync(
      file,
      `[meta]\nname = "dies"\n[service.db]\nimage = "alpine:latest"\nargs = ["sh", "-c", "echo ` +
        `db starting; sleep 1; echo 'db: fatal: disk on fire' >&2; exit ` +
        `7"]\n[service.app]\nimage = "alpine:latest"\n[[scenario]]\nname = "s"\nservice = ` +
        `"app"\nrun = "sleep 5"\n`,
    );
    let pid;
    const json = path.join(work, "dies.json");
    const r = await cli(["run", "--no-cache", "--report-json", json, file], {
      onStart: (c) => setTimeout(() => (pid = nodePid(c)), 500),
    });
    const report = fs.existsSync(json) ? fs.readFileSync(json, "utf8") : "";
    const named = /db/.test(report) && /disk on fire/.test(report + r.out);
    return {
      held: r.code !== 0 && named && leaks(pid) === 0, // service crashes: issue 10a
      observed:
        `exit ${r.code}; ` +
        `${named ? "finding names db with its last log line" : "not reported as a crash"}; ` +
        `peak RSS ${mib(r.peakKb)}; leaks ${leaks(pid)}`,
    };
  },
  true,
);

kase(
  "full disk for the report directory",
  "clnrm run --report-json <64 KiB tmpfs>/r.json",
  async () => {
    const mnt = path.join(work, "tiny");
    fs.mkdirSync(mnt);
    const m = spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt], {
      encoding: "utf8",
    });
    if (m.status !== 0)
      return { held: false, observed: `cannot mount a tmpfs here: ${m.stderr.trim()}` };
    try {
      const fd = fs.openSync(path.join(mnt, "filler"), "w");
      try {
        for (;;) fs.writeSync(fd, Buffer.alloc(512)); // until ENOSPC: the disk is full
      } catch {
        fs.closeSync(fd);
      }
      const json = path.join(mnt, "r.json");
      const r = await cli(["run", "--no-cache", "--report-json", json, test("ok", "true")]);
      const leftovers = fs.readdirSync(mnt).filter((f) => f !== "filler");
      return {
        held:
          r.code !== 0 &&
          /Io error.*no space left on device/s.test(r.out) &&
          leftovers.length === 0,
        observed:
          `exit ${r.code}: ` +
          `"${r.out.match(/Io error[^\n]*/)?.[0] ?? r.out.trim().split("\n").pop()}"; files ` +
          `left: ${leftovers.length ? leftovers.join(", ") : "none"}`,
      };
    } finally {
      spawnSync("umount", [mnt]);
    }
  },
  true,
);

kase(
  "the engine goes away mid-run",
  "DOCKER_HOST=unix://proxy.sock; kill the proxy",
  async () => {
    const sock = path.join(work, "engine.sock");
    const conns = new Set();
    const proxy = net.createServer((c) => {
      const up = net.connect("/var/run/docker.sock");
      conns.add(c).add(up);
      c.pipe(up).pipe(c);
      const drop = () => {
        c.destroy();
        up.destroy();
      };
      c.on("error", drop);
      up.on("error", drop);
    });
    await new Promise((r) => proxy.listen(sock, r));
    let pid;
    const p = cli(["run", "--no-cache", test("sleepy2", "sleep 60")], {
      env: { DOCKER_HOST: `unix://${sock}` },
      onStart: (c) => setTimeout(() => (pid = nodePid(c)), 500),
    });
    await waitFor(() => pid && leaks(pid) >= 2, 60_000);
    proxy.close();
    for (const c of conns) c.destroy();
    const r = await p;
    const duringLoss = leaks(pid);
    await cli(["run", "--no-cache", test("ok", "true")]); // the engine is back: this run sweeps
    const after = leaks(pid);
    return {
      held: r.code === 3 && after === 0,
      observed:
        `exit ${r.code}: ` +
        `"${lossMessage(r.out)}"; ${duringLoss} left while the engine was away; ` +
        `next run swept them: leaks ${after}`,
    };
  },
  true,
);

kase(
  "stdout flood: 64 MiB before the readiness line, a span after 2 MiB",
  "service: 64 MiB; echo READY (health_check.log), scenario: 2 MiB; echo <span>",
  async () => {
    const file = path.join(work, "flood.clnrm.toml");
    const kib = "s=0123456789abcdef; for k in 1 2 3 4 5 6; do s=$s$s; done";
    const spam = (bytes) => `${kib}; while true; do echo $s; done | head -c ${bytes}; echo`;
    const span =
      '{"name":"late.span","trace_id":"0af7651916cd43dd8448eb211c80319c",' +
      '"span_id":"b7ad6b7169203331","start_time_unix_nano":1000,"end_time_unix_nano":2000}';
    const lit = (s) => `'''${s}'''`;
    fs.writeFileSync(
      file,
      [
        '[meta]\nname = "flood"\n[otel]\nexporter = "stdout"',
        '[service.noisy]\nimage = "alpine:latest"',
        `args = ["sh", "-c", ${lit(`${spam(64 << 20)}; echo READY; sleep 60`)}]`,
        'health_check = { log = "^READY$", timeout_ms = 60000 }',
        '[[scenario]]\nname = "s"',
        `run = ["sh", "-c", ${lit(`${spam(2 << 20)}; echo '${span}'`)}]`,
        '[[expect.span]]\nname = "late.span"\n',
      ].join("\n"),
    );
    let pid;
    const json = path.join(work, "flood.json");
    const r = await cli(["run", "--no-cache", "--report-json", json, file], {
      onStart: (c) => setTimeout(() => (pid = nodePid(c)), 500),
    });
    const t = fs.existsSync(json) ? JSON.parse(fs.readFileSync(json, "utf8")).tests[0] : {};
    const warned = (t.warnings ?? []).filter((w) => / cut at 1 MiB: /.test(w));
    return {
      held: r.code === 0 && warned.length === 2 && r.peakKb < 200 * 1024 && leaks(pid) === 0,
      observed:
        `exit ${r.code}; readiness passed, span counted; ${warned.length} cut warning(s): ` +
        `"${(warned.find((w) => w.startsWith("logs")) ?? "").slice(0, 70)}…"; ` +
        `peak RSS ${mib(r.peakKb)}; leaks ${leaks(pid)}`,
    };
  },
  true,
);

kase(
  "40 tests at -j 10 (networks bounded)",
  "clnrm run -j 10 <40 files>",
  async () => {
    const dir = path.join(work, "forty");
    fs.mkdirSync(dir);
    for (let i = 0; i < 40; i++)
      fs.writeFileSync(
        path.join(dir, `t${i}.clnrm.toml`),
        `[meta]\nname = "t${i}"\n[service.a]\nimage = "alpine:latest"\n[[scenario]]\nname = ` +
          `"s"\nservice = "a"\nrun = "true"\n`,
      );
    let pid;
    const r = await cli(["run", "--no-cache", "-j", "10", dir], {
      onStart: (c) => setTimeout(() => (pid = nodePid(c)), 500),
    });
    const pool = /address pool|fully subnetted/.test(r.out);
    return {
      held: r.code === 0 && !pool && leaks(pid) === 0,
      observed:
        `exit ${r.code}; ${r.out.match(/Test results:[^\n]*/)?.[0] ?? ""}; pool errors: ` +
        `${pool ? "yes" : "none"}; peak RSS ${mib(r.peakKb)}; leaks ${leaks(pid)}`,
    };
  },
  true,
);
