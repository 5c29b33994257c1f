// Writes the editor JSON Schemas (generated from the loader's own schema) to dist/schemas/.
import fs from "node:fs";

const { SCHEMA_FILES, schemaDocument } = await import("../dist/src/config/json-schema.js");
const dir = new URL("../dist/schemas/", import.meta.url);
fs.mkdirSync(dir, { recursive: true });
for (const name of Object.keys(SCHEMA_FILES))
  fs.writeFileSync(new URL(name, dir), `${JSON.stringify(schemaDocument(name), null, 2)}\n`);
