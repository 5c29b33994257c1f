/**
 * Secrets found in unparsed text (`secretsInText`), used before a file is understood so that
 * errors cannot echo them. Mutation caught: without the `"key":` exception, the OTLP JSON of
 * `clnrm init`'s example registered "file" and "service.name" as secrets and the JSON report's
 * `file` field came out as «redacted»; with it skipping every `"key":` entry (not only OTLP
 * attributes), `{"key":"sk_live_…"}` leaked; `AUTH` as a substring redacted `author = "Jane Doe"`;
 * an OTLP attribute with a non-string value had its name ("error") redacted; without the
 * lookbehind the scan took minutes on 1 MB of name characters.
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

it("any other `key` entry is a secret, and so is a secret-named OTLP attribute's value", () => {
  assert.deepEqual(secretsInText('{"name":"stripe","key":"sk_live_abcdef123456"}'), [
    "sk_live_abcdef123456",
  ]);
  assert.deepEqual(secretsInText(`script = '''\nkey: "hunter2-real"\n'''`), ["hunter2-real"]);
  assert.deepEqual(secretsInText('{"key":"db.password","value":{"stringValue":"hunter2"}}'), [
    "hunter2",
  ]);
});

it("pairs inside a one-line string value are scanned too", () => {
  const text = `SPAN = '{"name":"w","attributes":{"auth_token":"abcd1"}}'
BODY = "{\\"password\\":\\"pw9\\"}"`;
  assert.deepEqual(secretsInText(text), ["abcd1", "pw9"]);
});

it("name/value pairs: the name is never the secret; the value is when the name says so", () => {
  const text = `{"key":"http.status_code","value":{"intValue":200}},{"key":"error",
"value":{"boolValue":true}},{"key":"tags","value":{"arrayValue":{"values":[]}}}
{"key":"Authorization","value":"Bearer abc123xyz"} {"name":"DB_PASSWORD","value":"xyz9"}
{"name":"HOME","value":"/root"}`;
  assert.deepEqual(secretsInText(text), ["Bearer abc123xyz", "xyz9"]);
});

it("secret names in camelCase, plural tokens and routing keys are secrets", () => {
  const text = `basicAuth = "user:pass123"
SPAN = '{"authHeader":"Bearer abc123"}'
GITHUB_TOKENS = "ghp_a,ghp_b"
PAGERDUTY_ROUTING_KEY = "R0ut1ng"
privateKey = "pk-123"
AUTH_TYPE = "basic"
POSTGRES_PASSWORD_FILE = "/run/secrets/pg"
promptTokens = "4096"`;
  assert.deepEqual(secretsInText(text), [
    "user:pass123",
    "Bearer abc123",
    "ghp_a,ghp_b",
    "R0ut1ng",
    "pk-123",
  ]);
});

it("scans hostile input in linear time (1 MB of name characters, an unclosed quote)", () => {
  for (const text of ["a".repeat(1 << 20), `a="${"b".repeat(1 << 20)}`, "a.-".repeat(350_000)]) {
    const t0 = performance.now();
    assert.deepEqual(secretsInText(text), []);
    assert.ok(performance.now() - t0 < 2000, `${(performance.now() - t0).toFixed(0)} ms`);
  }
});

it("names that only contain a secret word are not secrets", () => {
  const text = `author = "Jane Doe"
OAUTH_SCOPE = "read"
MAX_TOKENS = "1024"
"primary_key": "id"
AUTH_HEADER = "Bearer abc"
GITHUB_TOKEN = "ghp_x"
ACCESS_KEY = "AKIA1"`;
  assert.deepEqual(secretsInText(text), ["Bearer abc", "ghp_x", "AKIA1"]);
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
