// Where a `clnrm` process spends its time, stage by stage (issue 11). Preloaded into the CLI:
//   node --import ./scripts/cli-timeline.mjs dist/src/cli/main.js run --no-cache -j 1 FILE
// On exit it prints to stderr, in ms since the process started (performance.now()): when this
// preload ran (Node's own start-up), every Docker Engine API request (sent; response headers
// received, with status and time taken: node:diagnostics_channel's http.client channels; the
// engine sends a `wait`'s headers at once and its body at the exit), every line written to
// stdout, `beforeExit` (the event loop drained: any gap before it is a handle kept open) and
// `exit`. The time before the first request is module loading plus configuration.
import dc from "node:diagnostics_channel";

const events = [];
const now = () => performance.now();
const mark = (what) => events.push([now(), what]);
mark("preload (Node start-up done)");

const short = (p) => p.split("?")[0].replace(/[0-9a-f]{64}/g, (id) => id.slice(0, 8));
const begun = new Map();
dc.subscribe("http.client.request.start", ({ request }) => {
  begun.set(request, now());
  mark(`> ${request.method} ${short(request.path)}`);
});
dc.subscribe("http.client.response.finish", ({ request, response }) => {
  const took = now() - (begun.get(request) ?? now());
  mark(`< ${request.method} ${short(request.path)} ${response.statusCode} (${took.toFixed(0)} ms)`);
});
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
  mark(`stdout: ${String(chunk).slice(0, 60).replace(/\s+/g, " ")}`);
  return write(chunk, ...rest);
};
process.on("beforeExit", () => mark("beforeExit (event loop empty)"));
process.on("exit", () => {
  mark("exit");
  let last = 0;
  for (const [t, what] of events) {
    process.stderr.write(
      `${t.toFixed(0).padStart(6)} +${(t - last).toFixed(0).padStart(5)}  ${what}\n`,
    );
    last = t;
  }
});
