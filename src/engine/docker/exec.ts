/**
 * A command run inside a running container (`docker exec`), bounded by a timeout and an abort
 * signal: on either, the exec's whole process tree is killed inside the container.
 */
import { randomBytes } from "node:crypto";
import type Docker from "dockerode";
import type { ExecOptions, ExecResult } from "../backend.js";
import { DEFAULT_MAX_OUTPUT } from "../backend.js";
import { OutputCollector } from "./log-stream.js";

const EXEC_MARKER = "CLNRM_EXEC_ID";
/** Fixed script (the marker is an argument, never spliced in): kill -9 each marked process. */
const KILL_MARKED_SCRIPT =
  'p=""; for d in /proc/[0-9]*; do if tr "\\0" "\\n" < "$d/environ" 2>/dev/null | grep -qx "$1"; ' +
  'then p="$p $(basename "$d")"; fi; done; [ -n "$p" ] || exit 1; ' +
  // stop the whole tree first, so no parent runs on (`sleep 30; echo late`) when a child dies
  "kill -STOP $p 2>/dev/null; kill -KILL $p 2>/dev/null; exit 0";

export async function runExec(
  docker: Docker,
  containerId: string,
  argv: readonly string[],
  options: ExecOptions = {},
): Promise<ExecResult> {
  const started = Date.now();
  const container = docker.getContainer(containerId);
  // A random marker in the exec's environment (inherited by its children) lets a second exec,
  // run by the engine in the container's own PID namespace, find and kill the whole process
  // tree on timeout: never a host PID (wrong namespace on Docker Desktop, Podman, nested).
  const marker = randomBytes(8).toString("hex");
  const exec = await container.exec({
    Cmd: [...argv],
    Env: [
      ...Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`),
      `${EXEC_MARKER}=${marker}`,
    ],
    WorkingDir: options.workdir,
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  const onLine = options.onStdoutLine;
  const out = new OutputCollector(
    options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT,
    onLine && ((l) => onLine(l)),
    ["stdout"],
  );
  docker.modem.demuxStream(stream, out.writable("stdout"), out.writable("stderr"));
  let timedOut = false;
  let ended = false;
  const finished = new Promise<void>((resolve) => {
    const done = (): void => {
      ended = true;
      resolve();
    };
    stream.on("end", done);
    stream.on("close", done);
    stream.on("error", done);
  });
  const stop = async (): Promise<void> => {
    const killed = await killMarked(container, marker);
    // no shell in the image, or the tree survived: stop the container through the engine
    if (!killed) await container.kill().catch(() => undefined);
    else
      setTimeout(() => {
        if (!ended) void container.kill().catch(() => undefined);
      }, 2000).unref();
    setTimeout(() => stream.destroy(), killed ? 2500 : 500).unref();
  };
  const timer = options.timeoutMs
    ? setTimeout(() => {
        timedOut = true;
        void stop();
      }, options.timeoutMs)
    : undefined;
  const onAbort = (): void => void stop();
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    await finished;
  } finally {
    if (timer) clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
  }
  out.end();
  const info = await exec.inspect().catch(() => undefined);
  return {
    exitCode: info?.ExitCode ?? -1,
    ...out.result(),
    durationMs: Date.now() - started,
    timedOut,
  };
}

/** Kills, inside the container, every process whose environment carries the marker. */
async function killMarked(container: Docker.Container, marker: string): Promise<boolean> {
  try {
    const killer = await container.exec({
      Cmd: ["sh", "-c", KILL_MARKED_SCRIPT, "clnrm-kill", `${EXEC_MARKER}=${marker}`],
      AttachStdout: true,
      AttachStderr: true,
    });
    const st = await killer.start({ hijack: true, stdin: false });
    st.resume();
    await new Promise<void>((resolve) => {
      st.on("end", resolve);
      st.on("close", resolve);
      st.on("error", resolve);
      setTimeout(resolve, 3000).unref();
    });
    return (await killer.inspect()).ExitCode === 0;
  } catch {
    return false;
  }
}
