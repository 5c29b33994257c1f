/**
 * Container output as a stream (issue 12): the engine's log endpoint is read chunk by chunk, never
 * buffered whole. What is kept for reports is capped (1 MiB per stream by default) and the bytes
 * past the cap are counted; every line, past the cap too, still reaches the line listeners (stdout
 * spans, log readiness waits), so nothing the software prints is silently lost.
 */
import { formatBytes } from "../../core/format-bytes.js";
import { StringDecoder } from "node:string_decoder";
import { Writable } from "node:stream";
import type Docker from "dockerode";
import {
  type ContainerOutput,
  DEFAULT_MAX_OUTPUT,
  type Following,
  type LogFollow,
  type OutputSink,
  type OutputStream,
} from "../backend.js";
/**
 * A line longer than this is not held in memory: it is skipped (its bytes are still counted) and
 * the listeners never see it. OTLP/JSON documents printed on one line fit (the receiver's body
 * limit is 20 MiB; a stdout line this long is an accident).
 */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

export type LineListener = (line: string, stream: OutputStream) => void;

interface StreamState {
  readonly kept: Buffer[];
  keptBytes: number;
  dropped: number;
  decoder?: StringDecoder;
  partial: string[];
  partialBytes: number;
  skipping: boolean;
}

/** Collects one container's (or exec's) stdout and stderr: a capped copy, and every line. */
export class OutputCollector {
  private readonly streams: Record<OutputStream, StreamState>;
  /** Lines skipped because they were longer than MAX_LINE_BYTES. */
  longLines = 0;

  constructor(
    private readonly maxBytes = DEFAULT_MAX_OUTPUT,
    private readonly onLine?: LineListener,
    private readonly lineStreams: readonly OutputStream[] = ["stdout", "stderr"],
  ) {
    const fresh = (): StreamState => ({
      kept: [],
      keptBytes: 0,
      dropped: 0,
      partial: [],
      partialBytes: 0,
      skipping: false,
    });
    this.streams = { stdout: fresh(), stderr: fresh() };
  }

  push(stream: OutputStream, chunk: Buffer): void {
    const s = this.streams[stream];
    const room = this.maxBytes - s.keptBytes;
    if (room > 0) {
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      // a copy: the chunk may be a view of a buffer the demuxer reuses
      s.kept.push(Buffer.from(part));
      s.keptBytes += part.length;
    }
    s.dropped += Math.max(0, chunk.length - Math.max(0, room));
    if (this.onLine && this.lineStreams.includes(stream)) this.lines(stream, s, chunk);
  }

  private lines(stream: OutputStream, s: StreamState, chunk: Buffer): void {
    s.decoder ??= new StringDecoder("utf8");
    const text = s.decoder.write(chunk);
    let from = 0;
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", from)) {
      this.addPartial(s, text.slice(from, nl));
      if (!s.skipping) this.onLine!(s.partial.join("").replace(/\r$/, ""), stream);
      s.partial = [];
      s.partialBytes = 0;
      s.skipping = false;
      from = nl + 1;
    }
    this.addPartial(s, text.slice(from));
  }

  private addPartial(s: StreamState, piece: string): void {
    if (s.skipping || piece.length === 0) return;
    s.partialBytes += piece.length;
    if (s.partialBytes > MAX_LINE_BYTES) {
      s.skipping = true;
      s.partial = [];
      this.longLines++;
      return;
    }
    s.partial.push(piece);
  }

  /** Ends the streams: a last line without a newline reaches the listeners too. */
  end(): void {
    if (!this.onLine) return;
    for (const stream of this.lineStreams) {
      const s = this.streams[stream];
      if (s.decoder) this.addPartial(s, s.decoder.end());
      if (!s.skipping && s.partialBytes > 0) this.onLine(s.partial.join(""), stream);
      s.partial = [];
      s.partialBytes = 0;
    }
  }

  /** The kept output; a stream cut at the cap ends with a marker saying how much was dropped. */
  result(): ContainerOutput {
    const text = (s: StreamState): string => {
      const kept = Buffer.concat(s.kept).toString("utf8");
      return s.dropped > 0
        ? `${kept}\n…[output cut at ${formatBytes(this.maxBytes)}: ${s.dropped} bytes dropped]`
        : kept;
    };
    const { stdout, stderr } = this.streams;
    return {
      stdout: text(stdout),
      stderr: text(stderr),
      ...(stdout.dropped ? { stdoutDropped: stdout.dropped } : {}),
      ...(stderr.dropped ? { stderrDropped: stderr.dropped } : {}),
    };
  }

  /** A Writable feeding one stream (for dockerode's demuxStream). */
  writable(stream: OutputStream): Writable {
    return new Writable({
      write: (chunk: Buffer, _encoding, cb) => {
        this.push(stream, chunk);
        cb();
      },
    });
  }
}

/**
 * Opens the container's log endpoint as a stream. dockerode's `container.logs()` buffers the whole
 * body in memory unless `follow` is set, and `follow` never ends for a running container: the
 * modem's own `dial` with `isStream` gives a stream in both cases.
 */
function openLogs(
  docker: Docker,
  containerId: string,
  follow: boolean,
  signal?: AbortSignal,
): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      {
        path: `/containers/${containerId}/logs?`,
        method: "GET",
        isStream: true,
        abortSignal: signal,
        statusCodes: { 200: true, 404: "no such container", 500: "server error" },
        options: { stdout: true, stderr: true, follow },
      },
      (err: unknown, stream: unknown) =>
        err ? reject(err) : resolve(stream as NodeJS.ReadableStream),
    );
  });
}

/** Pipes a multiplexed log stream into the collector; resolves when the stream ends. */
function drain(docker: Docker, stream: NodeJS.ReadableStream, c: OutputCollector): Promise<void> {
  docker.modem.demuxStream(stream, c.writable("stdout"), c.writable("stderr"));
  return new Promise((resolve) => {
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      // the Writables call back synchronously: every chunk is in the collector by now
      c.end();
      resolve();
    };
    stream.on("end", finish);
    stream.on("close", finish);
    stream.on("error", finish);
  });
}

/** Everything the container printed so far, read as a stream: capped copy, lines to `onLine`. */
export async function readLogs(
  docker: Docker,
  containerId: string,
  maxBytes = DEFAULT_MAX_OUTPUT,
  onStdoutLine?: (line: string) => void,
): Promise<ContainerOutput> {
  const c = new OutputCollector(maxBytes, onStdoutLine && ((l) => onStdoutLine(l)), ["stdout"]);
  await drain(docker, await openLogs(docker, containerId, false), c);
  return c.result();
}

/**
 * Follows the container's output from its start until it exits or `stop()` is called: every line
 * of both streams goes to `onLine` as it arrives; nothing is kept.
 */
export function followLogs(docker: Docker, containerId: string, onLine: LineListener): LogFollow {
  const abort = new AbortController();
  const c = new OutputCollector(0, onLine);
  const ended = openLogs(docker, containerId, true, abort.signal).then(
    (stream) => drain(docker, stream, c),
    () => undefined, // no such container: nothing to follow
  );
  return {
    ended,
    stop: () => abort.abort(),
  };
}

/**
 * Streams a container's output chunk by chunk (the sidecar receiver's records, whose lines can be
 * larger than what OutputCollector holds for a line).
 */
export async function followChunks(
  docker: Docker,
  id: string,
  onStdout: OutputSink,
  onStderr?: OutputSink,
): Promise<Following> {
  // The log stream (not attach): it replays from the container's start, so nothing written
  // before this call is missed, and it ends once the container exited and all was delivered.
  const stream = (await docker
    .getContainer(id)
    .logs({ follow: true, stdout: true, stderr: true })) as unknown as NodeJS.ReadableStream & {
    destroy(): void;
  };
  const sink = (fn?: OutputSink): Writable =>
    new Writable({
      write: (chunk: Buffer, _e, cb) => {
        fn?.(chunk);
        cb();
      },
    });
  docker.modem.demuxStream(stream, sink(onStdout), sink(onStderr));
  const ended = new Promise<void>((resolve) => {
    stream.on("end", () => resolve());
    stream.on("close", () => resolve());
    stream.on("error", () => resolve());
  });
  return { ended, close: () => stream.destroy() };
}
