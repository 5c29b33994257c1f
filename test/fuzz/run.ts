/** `npm run fuzz [cases] [seed]`: 10 000 cases per target by default (see targets.ts). */
import { fuzzAll } from "./targets.js";

const cases = Number(process.argv[2] ?? 10_000);
const seed = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
const { lines, failed } = await fuzzAll(cases, seed);
for (const l of lines) process.stdout.write(`${l}\n`);
process.exitCode = failed ? 1 : 0;
