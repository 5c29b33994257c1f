// Regenerates docs/report-screenshot.png from a real run: the examples with the orders service's
// N+1 bug switched on (one failing test with its spans marked, two passing), the first marked
// span opened. Needs `npm run setup` and a build. Usage: node scripts/report-screenshot.mjs
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

const root = path.resolve(import.meta.dirname, "..");
const html = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "clnrm-shot-")), "report.html");
const cli = path.join(root, "dist/src/cli/main.js");
const args = ["run", "--no-cache", "-m", "bug=n_plus_one", "--report-html", html, "examples"];
const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, stdio: "inherit" });
if (!fs.existsSync(html)) throw new Error(`no report written (clnrm exited ${r.status})`);
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1800 } });
  await page.goto(`file://${html}`);
  await page.locator("#test-0 .row.hl").first().click();
  await page.screenshot({ path: path.join(root, "docs/report-screenshot.png") });
  console.log("wrote docs/report-screenshot.png");
} finally {
  await browser.close();
}
