/**
 * fake_* generators. Data comes from @faker-js/faker, seeded per call from the same
 * deterministic source as every other random function (see functions.ts rngFor).
 */
import type { Faker } from "@faker-js/faker";
import { CleanroomError } from "../core/errors.js";
import type { TemplateFunction, TemplateRuntime } from "./functions.js";
import { nowMs, rngFor, toInt } from "./functions.js";
import { randomInt, type Rng } from "./random.js";

type FakeGen = (f: Faker, a: Record<string, unknown>, rng: Rng, rt: TemplateRuntime) => unknown;

function withFaker(gen: FakeGen): TemplateFunction {
  return (a, rt) => {
    const rng = rngFor(a, rt);
    if (!rt.faker)
      throw new CleanroomError("Internal", "fake data generator was not loaded for this render");
    rt.faker.seed(Math.floor(rng() * 2 ** 31));
    return gen(rt.faker, a, rng, rt);
  };
}

function plain(
  gen: (a: Record<string, unknown>, rng: Rng, rt: TemplateRuntime) => unknown,
): TemplateFunction {
  return (a, rt) => gen(a, rngFor(a, rt), rt);
}

const pad = (n: number, w = 2): string => String(n).padStart(w, "0");
const DAY_MS = 86_400_000;

/** A date within ten years before the (possibly frozen) clock. */
function pastMs(rng: Rng, rt: TemplateRuntime): number {
  return nowMs(rt) - Math.floor(rng() * 3650 * DAY_MS);
}

export const fakeFunctions: Readonly<Record<string, TemplateFunction>> = {
  fake_name: withFaker((f) => f.person.fullName()),
  fake_first_name: withFaker((f) => f.person.firstName()),
  fake_last_name: withFaker((f) => f.person.lastName()),
  fake_title: withFaker((f) => f.person.prefix()),
  fake_suffix: withFaker((f) => f.person.suffix()),
  fake_email: withFaker((f) => f.internet.email({ provider: "example.com" })),
  fake_username: withFaker((f) => f.internet.username()),
  fake_password: withFaker((f, a, rng) =>
    f.internet.password({
      length: randomInt(rng, toInt(a.min ?? 8, "min"), toInt(a.max ?? 20, "max") + 1),
    }),
  ),
  fake_domain: withFaker((f) => f.internet.domainName()),
  fake_url: withFaker((f) => f.internet.url()),
  fake_ipv4: withFaker((f) => f.internet.ipv4()),
  fake_ipv6: withFaker((f) => f.internet.ipv6()),
  fake_user_agent: withFaker((f) => f.internet.userAgent()),
  fake_mac_address: withFaker((f) => f.internet.mac()),
  fake_street: withFaker((f) => f.location.street()),
  fake_city: withFaker((f) => f.location.city()),
  fake_state: withFaker((f) => f.location.state()),
  fake_zip: withFaker((f) => f.location.zipCode()),
  fake_country: withFaker((f) => f.location.country()),
  fake_latitude: withFaker((f) => String(f.location.latitude())),
  fake_longitude: withFaker((f) => String(f.location.longitude())),
  fake_address: withFaker(
    (f) =>
      `${f.location.streetAddress()}, ${f.location.city()}, ` +
      `${f.location.state({ abbreviated: true })} ${f.location.zipCode()}`,
  ),
  fake_phone: withFaker((f) => f.phone.number()),
  fake_cell_phone: withFaker((f) => f.phone.number({ style: "national" })),
  fake_company: withFaker((f) => f.company.name()),
  fake_company_suffix: withFaker((f) =>
    f.helpers.arrayElement(["Inc", "LLC", "Ltd", "Group", "and Sons"]),
  ),
  fake_industry: withFaker((f) => f.commerce.department()),
  fake_profession: withFaker((f) => f.person.jobTitle()),
  fake_word: withFaker((f) => f.lorem.word()),
  fake_words: withFaker((f, a) => f.lorem.words(toInt(a.count ?? 3, "count"))),
  fake_sentence: withFaker((f, a) =>
    f.lorem.sentence({ min: toInt(a.min ?? 4, "min"), max: toInt(a.max ?? 10, "max") }),
  ),
  fake_paragraph: withFaker((f, a) =>
    f.lorem.paragraph({ min: toInt(a.min ?? 3, "min"), max: toInt(a.max ?? 7, "max") }),
  ),
  fake_credit_card: withFaker((f) => f.finance.creditCardNumber()),
  fake_currency_code: withFaker((f) => f.finance.currencyCode()),
  fake_currency_name: withFaker((f) => f.finance.currencyName()),
  fake_currency_symbol: withFaker((f) => f.finance.currencySymbol()),
  fake_filename: withFaker((f) => f.system.fileName()),
  fake_extension: withFaker((f) => f.system.fileExt()),
  fake_mime_type: withFaker((f) => f.system.mimeType()),
  fake_file_path: withFaker((f) => f.system.filePath()),
  fake_color: withFaker((f) => f.color.human()),
  fake_hex_color: withFaker((f) => f.color.rgb()),
  fake_rgb_color: withFaker((f) => f.color.rgb({ format: "css" })),
  fake_int: plain((_a, rng) => randomInt(rng, 0, 1000)),
  fake_int_range: plain((a, rng) =>
    randomInt(rng, toInt(a.min ?? 0, "min"), toInt(a.max ?? 100, "max")),
  ),
  fake_float: plain((_a, rng) => Math.round(rng() * 1000 * 1e6) / 1e6),
  fake_bool: plain((a, rng) => rng() * 100 < toInt(a.ratio ?? 50, "ratio")),
  fake_string: plain((a, rng) => {
    let s = "";
    for (let i = toInt(a.len ?? 10, "len"); i > 0; i--)
      s += String.fromCharCode(97 + Math.floor(rng() * 26));
    return s;
  }),
  fake_port: plain((_a, rng) => randomInt(rng, 1024, 65535)),
  fake_semver: plain(
    (_a, rng) => `${randomInt(rng, 0, 10)}.${randomInt(rng, 0, 20)}.${randomInt(rng, 0, 100)}`,
  ),
  fake_date: plain((_a, rng, rt) => new Date(pastMs(rng, rt)).toISOString().slice(0, 10)),
  fake_time: plain(
    (_a, rng) =>
      `${pad(randomInt(rng, 0, 24))}:${pad(randomInt(rng, 0, 60))}:${pad(randomInt(rng, 0, 60))}`,
  ),
  fake_datetime: plain((_a, rng, rt) =>
    new Date(pastMs(rng, rt)).toISOString().replace(/\.\d{3}Z$/, "Z"),
  ),
  fake_timestamp: plain((_a, rng, rt) => Math.floor(pastMs(rng, rt) / 1000)),
  fake: (a, rt) => {
    const kind = String(a.kind ?? "");
    const fn = FAKE_KINDS[kind];
    if (!fn)
      throw new CleanroomError("Template", `fake(kind="${kind}") is not a known kind`, {
        hint: `known kinds: ${Object.keys(FAKE_KINDS).join(", ")}`,
      });
    return fakeFunctions[fn]!(a, rt);
  },
  fake_kinds: () => Object.keys(FAKE_KINDS),
};

const FAKE_KINDS: Record<string, string> = {
  "name.full": "fake_name",
  "name.first": "fake_first_name",
  "name.last": "fake_last_name",
  "internet.email.safe": "fake_email",
  "internet.username": "fake_username",
  "internet.domain": "fake_domain",
  "internet.url": "fake_url",
  "internet.ipv4": "fake_ipv4",
  "internet.ipv6": "fake_ipv6",
  "address.street": "fake_street",
  "address.city": "fake_city",
  "address.zip": "fake_zip",
  "address.country": "fake_country",
  "address.full": "fake_address",
  "company.name": "fake_company",
  "phone.number": "fake_phone",
  "lorem.word": "fake_word",
  "lorem.sentence": "fake_sentence",
  "number.int": "fake_int",
  "number.float": "fake_float",
  boolean: "fake_bool",
  "date.date": "fake_date",
  "date.datetime": "fake_datetime",
  "uuid.v4": "fake_uuid",
  "string.alpha": "fake_string",
  "network.port": "fake_port",
  "version.semver": "fake_semver",
};
