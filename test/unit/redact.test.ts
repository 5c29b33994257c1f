/**
 * Secrets found in unparsed text (`secretsInText`), used before a file is understood so that
 * errors cannot echo them. Mutation caught: without the `"key":` exception, the OTLP JSON of
 * `clnrm init`'s example registered "file" and "service.name" as secrets and the JSON report's
 * `file` field came out as «redacted».
 */
import { it } from "node:test";
import assert from "node:assert/strict";
import { Redactor, secretsInText } from "../../src/core/redact.js";

it('OTLP JSON attribute entries (`"key":"file"`) are not secrets', () => {
  // as in init's example: a shell string spread over lines, so each line is scanned alone
  const script = `body='{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name",
"value":{"stringValue":"worker"}}]},"scopeSpans":[{"spans":[{"attributes":[{"key":"file",
"value":{"stringValue":"/tmp/data"}}]}]}]}]}'`;
  assert.deepEqual(secretsInText(script), []);
  const r = new Redactor(secretsInText(script));
  assert.equal(r.text('{"file":"tests/a.clnrm.toml"}'), '{"file":"tests/a.clnrm.toml"}');
});

it("secret-looking assignments are found in TOML, JSON and YAML forms", () => {
  const text = `KEY = "k3y-value"
POSTGRES_PASSWORD = "Qz7"
SPAN = '''
{"attributes":{"db.password":"Zx9"}}'''
token: 'tok-123'
AUTH_ENABLED = "1"
api_key = "{{ env(name="API_KEY") }}"`;
  assert.deepEqual(secretsInText(text), ["k3y-value", "Qz7", "Zx9", "tok-123"]);
});
