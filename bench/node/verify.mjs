// make bench, row 7: per-token verification time of aws-jwt-verify and jsonwebtoken on the bench's tokens.
// Usage: node verify.mjs <fixtures.json> <rounds>. Prints one JSON object.
// Token slices, batches and rotation match bench/worker.py, so both languages see the same tokens.
import { readFileSync } from "node:fs";
import { createPublicKey } from "node:crypto";
import { JwtVerifier } from "aws-jwt-verify";
import jsonwebtoken from "jsonwebtoken";

const CHUNK = 1000;
const BATCHES = 10;
const AUDIENCE = "https://api.example.com";

const [fixturesPath, roundsArg] = process.argv.slice(2);
const fx = JSON.parse(readFileSync(fixturesPath, "utf8"));
const rounds = Number(roundsArg);

const verifier = JwtVerifier.create({
  issuer: fx.issuer,
  audience: AUDIENCE,
  jwksUri: `${fx.issuer}.well-known/jwks.json`,
});
verifier.cacheJwks(fx.jwks); // keys in hand: no fetch, as in a warm container
const keys = Object.fromEntries(fx.jwks.keys.map((jwk) => [jwk.kid, createPublicKey({ key: jwk, format: "jwk" })]));
const kidOf = (token) => JSON.parse(Buffer.from(token.split(".")[0], "base64url")).kid;

const candidates = {
  aws_jwt_verify: (tokens) => () => {
    for (const token of tokens) verifier.verifySync(token);
  },
  jsonwebtoken: (tokens) => {
    // As for PyJWT in bench/worker.py: the key is chosen before the clock starts.
    const pairs = tokens.map((token) => [token, keys[kidOf(token)]]);
    const options = { algorithms: ["RS256"], audience: AUDIENCE, issuer: fx.issuer, clockTolerance: 30 };
    return () => {
      for (const [token, key] of pairs) jsonwebtoken.verify(token, key, options);
    };
  },
};

// Warm-up, so the JIT has compiled both before the clock starts.
const warm = fx.tokens.slice(fx.tokens.length - 4);
for (let n = 0; n < 300; n++) for (const make of Object.values(candidates)) make(warm)();

const samples = Object.fromEntries(Object.keys(candidates).map((name) => [name, []]));
const batch = CHUNK / BATCHES;
for (let r = 0; r < rounds; r++) {
  const fresh = fx.tokens.slice(3 * r * CHUNK, (3 * r + 1) * CHUNK);
  for (let b = 0; b < BATCHES; b++) {
    const part = fresh.slice(b * batch, (b + 1) * batch);
    const names = Object.keys(candidates);
    const shift = (r * BATCHES + b) % names.length;
    for (const name of [...names.slice(shift), ...names.slice(0, shift)]) {
      const run = candidates[name](part);
      const start = process.hrtime.bigint();
      run();
      samples[name].push(Number(process.hrtime.bigint() - start) / part.length);
    }
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const here = new URL(".", import.meta.url);
const version = (name) => JSON.parse(readFileSync(new URL(`node_modules/${name}/package.json`, here), "utf8")).version;
console.log(
  JSON.stringify({
    node: process.version,
    versions: { aws_jwt_verify: version("aws-jwt-verify"), jsonwebtoken: version("jsonwebtoken") },
    aws_jwt_verify: { median_ns: median(samples.aws_jwt_verify), samples: samples.aws_jwt_verify.length },
    jsonwebtoken: { median_ns: median(samples.jsonwebtoken), samples: samples.jsonwebtoken.length },
  }),
);
