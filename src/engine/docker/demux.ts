/**
 * Splits Docker's multiplexed stdout/stderr frames (8-byte header: stream, 0, 0, 0, size BE32).
 * dockerode only demuxes streams; logs of stopped containers arrive as one Buffer.
 */
export function demuxBuffer(buf: Buffer): { stdout: Buffer; stderr: Buffer } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const type = buf[i];
    const size = buf.readUInt32BE(i + 4);
    const chunk = buf.subarray(i + 8, i + 8 + size);
    if (type === 2) err.push(chunk);
    else out.push(chunk);
    i += 8 + size;
  }
  return { stdout: Buffer.concat(out), stderr: Buffer.concat(err) };
}

/** Collects a capped amount of output; reports whether bytes were dropped. */
export class CappedBuffer {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly max: number) {}
  push(chunk: Buffer): void {
    if (this.size >= this.max) {
      this.truncated = true;
      return;
    }
    const room = this.max - this.size;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (part.length < chunk.length) this.truncated = true;
    this.chunks.push(part);
    this.size += part.length;
  }
  text(): string {
    const s = Buffer.concat(this.chunks).toString("utf8");
    return this.truncated ? `${s}\n…[output truncated at ${this.max} bytes]` : s;
  }
}
