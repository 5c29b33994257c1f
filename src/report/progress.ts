/**
 * Live progress on a terminal: one line per running test with a spinner and its current step,
 * redrawn in place; finished tests drop out (their results are printed in input order at the end).
 * Off a TTY (CI), one plain `RUN <file>` line per test instead.
 */
const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

export interface ProgressStream {
  write(s: string): boolean;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export class LiveProgress {
  private readonly lines = new Map<string, { label: string; message: string; started: number }>();
  private drawn = 0;
  private frame = 0;
  private timer?: NodeJS.Timeout;

  constructor(private readonly out: ProgressStream = process.stdout) {}

  get live(): boolean {
    return this.out.isTTY === true;
  }

  start(id: string, label: string): void {
    if (!this.live) {
      this.out.write(`RUN  ${label}\n`);
      return;
    }
    this.lines.set(id, { label, message: "starting", started: Date.now() });
    this.timer ??= setInterval(() => this.draw(), 120);
    this.draw();
  }

  update(id: string, message: string): void {
    const l = this.lines.get(id);
    if (!l) return;
    l.message = message;
    this.draw();
  }

  done(id: string): void {
    if (!this.lines.delete(id)) return;
    this.draw();
    if (this.lines.size === 0) this.stop();
  }

  /** Clears the live lines (before the final report is printed). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
  }

  private clear(): void {
    if (this.drawn > 0) this.out.write(`\x1b[${this.drawn}A\x1b[0J`);
    this.drawn = 0;
  }

  private draw(): void {
    if (!this.live) return;
    this.clear();
    this.frame = (this.frame + 1) % FRAMES.length;
    const width = Math.max(20, (this.out.columns ?? 100) - 1);
    for (const l of this.lines.values()) {
      const secs = ((Date.now() - l.started) / 1000).toFixed(1);
      this.out.write(
        `${`${FRAMES[this.frame]} ${l.label} ${secs}s — ${l.message}`.slice(0, width)}\n`,
      );
    }
    this.drawn = this.lines.size;
  }
}
