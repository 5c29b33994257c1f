/**
 * Content hashes of bind-mounted host paths for the cache key. A file's SHA-256 is memoised
 * by its stat (size, mtime and ctime in ns, inode), so an unchanged tree costs one lstat per
 * file; a changed file is read again. Hand-written because no maintained package combines a
 * stat memo that survives runs with git's "racy" rule: a file modified within RACY_MS of
 * being hashed may change again within the same timestamp tick, so it is never trusted from
 * the memo and is re-read on the next run.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

const RACY_MS = 2000n;

export interface FileMemo {
  readonly stat: string;
  readonly sha: string;
  /** Whether the stat can be trusted next time (the file was not modified just before hashing). */
  readonly settled: boolean;
}

export class TreeHasher {
  /** Files read (not served from the memo) since construction: tests and benchmarks check it. */
  reads = 0;

  constructor(readonly memo: Record<string, FileMemo> = {}) {}

  /** A hash of the path's whole content (names, types, modes, file bytes, link targets). */
  hash(root: string): string {
    let real: string;
    try {
      real = fs.realpathSync(root); // Docker resolves a symlinked mount source the same way
    } catch {
      return "missing";
    }
    const h = createHash("sha256");
    this.walk(real, "", h);
    return h.digest("hex");
  }

  private walk(abs: string, rel: string, h: ReturnType<typeof createHash>): void {
    let st: fs.BigIntStats;
    try {
      st = fs.lstatSync(abs, { bigint: true });
    } catch {
      h.update(`${rel}\0gone\n`);
      return;
    }
    const mode = (st.mode & 0o7777n).toString(8);
    if (st.isSymbolicLink()) h.update(`${rel}\0link\0${fs.readlinkSync(abs)}\n`);
    else if (st.isDirectory()) {
      h.update(`${rel}\0dir\0${mode}\n`);
      let names: string[] = [];
      try {
        names = fs.readdirSync(abs).sort();
      } catch {
        h.update(`${rel}\0unreadable\n`);
      }
      for (const n of names) this.walk(path.join(abs, n), rel ? `${rel}/${n}` : n, h);
    } else if (st.isFile()) h.update(`${rel}\0file\0${mode}\0${this.fileSha(abs, st)}\n`);
    else h.update(`${rel}\0special\0${mode}\n`);
  }

  private fileSha(abs: string, st: fs.BigIntStats): string {
    const stat = `${st.size}:${st.mtimeNs}:${st.ctimeNs}:${st.ino}`;
    const m = this.memo[abs];
    if (m?.settled && m.stat === stat) return m.sha;
    let sha: string;
    try {
      sha = createHash("sha256").update(fs.readFileSync(abs)).digest("hex");
    } catch {
      return "unreadable";
    }
    this.reads++;
    const now = BigInt(Date.now()) * 1_000_000n;
    const settled = now - st.mtimeNs > RACY_MS * 1_000_000n;
    this.memo[abs] = { stat, sha, settled };
    return sha;
  }
}
