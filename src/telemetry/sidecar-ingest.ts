/**
 * The clnrm end of the sidecar receiver (sidecar-script.ts): reads the NDJSON records the sidecar
 * writes on its stdout, as the engine streams them, and feeds the span store through the same
 * decoder, limits and rejection messages as the host receiver (receiver.ts). Only the transport
 * differs, so spans, findings, evidence and reports are the same in both modes.
 */
import { CleanroomError } from "../core/errors.js";
import { decodeExport } from "./otlp/decode.js";
import { decodeRejection, MAX_BODY_BYTES, tooLargeMessage } from "./receiver.js";
import type { SpanSink } from "./store.js";

interface SidecarRecord {
  readonly t?: string;
  readonly id?: number;
  readonly ct?: string;
  readonly ce?: string | null;
  readonly b?: string;
  readonly seen?: string;
  readonly http?: number;
  readonly grpc?: number;
  readonly forced?: boolean;
  readonly from?: string;
}

/** What the sidecar has told clnrm so far; `inFlight` and rejections as the host receiver's. */
export class SidecarIngest {
  requests = 0;
  rejected = 0;
  lastRejection?: string;
  /** Senders the sidecar refused as not the test's own (`foreign` records). */
  foreign = 0;
  lastForeign?: string;
  /** Set by the `ready` record: the ports the sidecar listens on. */
  ports?: { readonly http: number; readonly grpc: number };
  /** Set by the `end` record: the sidecar closed its servers and wrote every request. */
  ended = false;
  /** The sidecar gave up waiting for requests still being received at its stop (3 s). */
  forced = false;
  /** Lines that were not records (the script's own errors, e.g. a port in use). */
  readonly noise: string[] = [];
  readonly ready: Promise<void>;
  private markReady!: () => void;
  private readonly open = new Set<number>();
  private pending: Buffer[] = [];

  constructor(
    private readonly sink: SpanSink,
    private readonly limits: { readonly maxBodyBytes?: number; maxInflatedBytes?: number } = {},
  ) {
    this.ready = new Promise((resolve) => {
      this.markReady = resolve;
    });
  }

  /** Export requests the sidecar received whose spans are not in the store yet. */
  get inFlight(): number {
    return this.open.size;
  }

  /** One chunk of the sidecar's stdout (records may span chunks). */
  push(chunk: Buffer): void {
    let at = 0;
    for (let nl = chunk.indexOf(10, at); nl >= 0; nl = chunk.indexOf(10, at)) {
      this.pending.push(chunk.subarray(at, nl));
      const line = Buffer.concat(this.pending).toString("utf8");
      this.pending = [];
      this.line(line);
      at = nl + 1;
    }
    if (at < chunk.length) this.pending.push(chunk.subarray(at));
  }

  private line(text: string): void {
    let r: SidecarRecord;
    try {
      r = JSON.parse(text) as SidecarRecord;
    } catch {
      if (text.trim()) this.noise.push(text.slice(0, 500));
      return;
    }
    const id = r.id ?? 0;
    switch (r.t) {
      case "ready":
        this.ports = { http: r.http ?? 0, grpc: r.grpc ?? 0 };
        this.markReady();
        return;
      case "begin":
        this.open.add(id);
        return;
      case "req":
        this.body(Buffer.from(r.b ?? "", "base64"), r.ct ?? "application/x-protobuf", r.ce);
        break;
      case "grpc":
        this.grpcMessage(Buffer.from(r.b ?? "", "base64"), r.ce);
        break;
      case "big":
        this.reject(413, tooLargeMessage(r.seen ?? "", this.limits.maxBodyBytes ?? MAX_BODY_BYTES));
        break;
      case "foreign":
        this.foreign++;
        this.lastForeign = r.from;
        return;
      case "end":
        this.ended = true;
        this.forced = r.forced === true;
        return;
      default: // "gone": the sender went away before its body was complete
        break;
    }
    this.open.delete(id);
  }

  private body(buf: Buffer, ct: string, ce: string | null | undefined): void {
    try {
      const spans = decodeExport(buf, ct, ce ?? undefined, this.limits.maxInflatedBytes);
      this.requests++;
      this.sink.ingest(spans);
    } catch (e) {
      // The sidecar answered 200 already (it does not decode); the refusal counts the same.
      const why = decodeRejection(e);
      this.reject(why.status, why.message);
    }
  }

  private grpcMessage(buf: Buffer, ce: string | null | undefined): void {
    try {
      const spans = decodeExport(buf, "application/x-protobuf", ce ?? undefined);
      this.requests++;
      this.sink.ingest(spans.map((s) => ({ ...s, source: "otlp-grpc" })));
    } catch (e) {
      // The sidecar answered OK already (it does not decode); as with the host gRPC receiver,
      // a message that does not decode is a refused export: its spans are missing.
      if (!(e instanceof CleanroomError)) throw e;
      this.rejected++;
      this.lastRejection = `gRPC INVALID_ARGUMENT: ${e.message}`;
    }
  }

  private reject(status: number, message: string): void {
    this.rejected++;
    this.lastRejection = `HTTP ${status}: ${message}`;
  }
}
