// The API explorer: get or paste an access token, call each route cross-origin, and explain each answer.
//
// The token lives in the `state` object below and nowhere else: not in localStorage or sessionStorage
// (any script running on this origin could read it there, and it would outlive the tab), not in a
// cookie, not in the console. Reloading the page forgets it, which is what a bearer credential deserves.

const ROUTES = [
  { path: "/api/public", needs: "Anyone: no token needed.", auth: "none" },
  { path: "/api/private", needs: "Any valid access token for this API.", auth: "token" },
  {
    path: "/api/private-scoped",
    needs: "A valid access token with the scope read:messages.",
    auth: "scope",
  },
];

// Fails the gateway's validation expression (a JWT has three dot-separated parts): the authorizer never sees it.
const MALFORMED_TOKEN = "not-a-jwt";

const state = {
  token: null, // the raw access token, in memory only
  decoded: null, // { header, payload } or null when the token is not a readable JWT
  source: "", // where the token came from, for the summary
};

const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------- settings

function defaultApiBase() {
  const fromQuery = new URLSearchParams(window.location.search).get("api");
  if (fromQuery) return fromQuery;
  // The local runner's default port, on the same host name this page was loaded from.
  return `${window.location.protocol}//${window.location.hostname || "localhost"}:3010`;
}

function apiBase() {
  return $("api-base").value.trim().replace(/\/+$/, "");
}

let tokenEndpointEdited = false;

function syncTokenEndpoint() {
  if (!tokenEndpointEdited) $("token-endpoint").value = `${apiBase()}/oauth/token`;
}

// ---------------------------------------------------------------- JWT decoding (NOT verification)

function base64UrlDecode(part) {
  const base64 = part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "=");
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

// Returns { header, payload } or throws an Error saying why the token cannot be read.
function decodeJwt(token) {
  const parts = token.split(".");
  if (parts.length !== 3) {
    throw new Error(
      `it has ${parts.length} part(s), a JWT has 3 separated by dots. An opaque token? ` +
        "Auth0 issues those when the token request names no audience.",
    );
  }
  try {
    return { header: JSON.parse(base64UrlDecode(parts[0])), payload: JSON.parse(base64UrlDecode(parts[1])) };
  } catch {
    throw new Error("its header or payload is not base64url-encoded JSON.");
  }
}

function tokenScopes(payload) {
  if (!payload) return [];
  const scopes = new Set();
  const add = (value) => {
    if (typeof value === "string") value.split(/\s+/).filter(Boolean).forEach((s) => scopes.add(s));
    else if (Array.isArray(value)) value.filter((s) => typeof s === "string").forEach((s) => scopes.add(s));
  };
  add(payload.scope);
  add(payload.scp);
  add(payload.permissions);
  return [...scopes];
}

function secondsLeft(payload) {
  if (!payload || typeof payload.exp !== "number") return null;
  return Math.round(payload.exp - Date.now() / 1000);
}

function describeDuration(seconds) {
  const s = Math.abs(seconds);
  if (s < 90) return `${s} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

// ---------------------------------------------------------------- token state and display

function setToken(token, source) {
  state.token = token;
  state.source = source;
  state.decoded = null;
  let problem = null;
  try {
    state.decoded = decodeJwt(token);
  } catch (error) {
    problem = error.message;
  }
  renderToken(problem);
}

function forgetToken() {
  state.token = null;
  state.decoded = null;
  state.source = "";
  $("pasted-token").value = "";
  renderToken(null);
  setStatus("Token forgotten.");
}

function setStatus(text, kind = "") {
  const status = $("token-status");
  status.textContent = text;
  status.className = `status ${kind}`;
}

function addSummary(list, term, value) {
  const dt = document.createElement("dt");
  dt.textContent = term;
  const dd = document.createElement("dd");
  dd.textContent = value;
  list.append(dt, dd);
}

function renderToken(problem) {
  const details = $("token-details");
  if (!state.token) {
    details.hidden = true;
    return;
  }
  details.hidden = false;
  const summary = $("token-summary");
  summary.replaceChildren();
  addSummary(summary, "Source", state.source);
  if (!state.decoded) {
    addSummary(summary, "Readable", `No: ${problem}`);
    $("jwt-header").textContent = "(not a readable JWT)";
    $("jwt-payload").textContent = "(not a readable JWT)";
    setStatus(`Token set (${state.source}), but it is not a readable JWT: ${problem}`, "warn");
    return;
  }
  const { header, payload } = state.decoded;
  const scopes = tokenScopes(payload);
  const left = secondsLeft(payload);
  addSummary(summary, "Issuer (iss)", payload.iss ?? "(none)");
  addSummary(summary, "Audience (aud)", Array.isArray(payload.aud) ? payload.aud.join(", ") : payload.aud ?? "(none)");
  addSummary(summary, "Subject (sub)", payload.sub ?? "(none)");
  addSummary(summary, "Scopes", scopes.length ? scopes.join(" ") : "(none)");
  addSummary(
    summary,
    "Expires (exp)",
    left === null
      ? "(no exp claim: the API refuses such tokens)"
      : `${new Date(payload.exp * 1000).toISOString()} (${left >= 0 ? "in " : ""}${describeDuration(left)}${
          left < 0 ? " ago: expired" : ""
        })`,
  );
  $("jwt-header").textContent = JSON.stringify(header, null, 2);
  $("jwt-payload").textContent = JSON.stringify(payload, null, 2);
  setStatus(
    `Token set (${state.source}). Scopes: ${scopes.length ? scopes.join(" ") : "none"}.`,
    left !== null && left < 0 ? "warn" : "ok",
  );
}

// ---------------------------------------------------------------- getting a token

async function requestToken(event) {
  event.preventDefault();
  const scopes = [...document.querySelectorAll('input[name="scope"]:checked')].map((box) => box.value);
  // Form-encoded, as RFC 6749 specifies: a CORS "simple request", so the browser sends no preflight.
  // `scope` present but empty asks for a token without scopes.
  const body = new URLSearchParams({
    grant_type: "client_credentials",
    client_id: $("client-id").value,
    client_secret: $("client-secret").value,
    scope: scopes.join(" "),
  });
  const endpoint = $("token-endpoint").value.trim();
  setStatus(`Asking ${endpoint} for a token…`);
  let response;
  try {
    response = await fetch(endpoint, { method: "POST", body });
  } catch {
    setStatus(
      `Could not reach ${endpoint}, or it answered without Access-Control-Allow-Origin (the browser then ` +
        "hides the answer). Is the local runner running with its embedded issuer?",
      "error",
    );
    return;
  }
  let answer = null;
  try {
    answer = await response.json();
  } catch {
    answer = null;
  }
  if (!response.ok || !answer || typeof answer.access_token !== "string") {
    const reason = answer && answer.error ? `${answer.error}${answer.error_description ? `: ${answer.error_description}` : ""}` : "no access_token in the answer";
    setStatus(`The token endpoint answered ${response.status}: ${reason}`, "error");
    return;
  }
  setToken(answer.access_token, `local issuer, scopes asked: ${scopes.length ? scopes.join(" ") : "none"}`);
}

function usePastedToken(event) {
  event.preventDefault();
  // Tolerate a pasted "Bearer " prefix and surrounding whitespace.
  const token = $("pasted-token").value.trim().replace(/^bearer\s+/i, "");
  if (!token) {
    setStatus("Paste a token first.", "error");
    return;
  }
  setToken(token, "pasted");
}

// ---------------------------------------------------------------- calling the routes

function sendMode() {
  return document.querySelector('input[name="send"]:checked').value;
}

// Parses `Bearer error="x", scope="y"` into { scheme, error, scope, error_description }.
function parseChallenge(value) {
  if (!value) return null;
  const challenge = { scheme: value.split(/\s+/)[0] };
  for (const match of value.matchAll(/([a-zA-Z_]+)="([^"]*)"/g)) challenge[match[1]] = match[2];
  return challenge;
}

function explain(route, outcome) {
  const { status, challenge, body, sent } = outcome;
  const wwwLine = outcome.wwwAuthenticate ? `WWW-Authenticate: ${outcome.wwwAuthenticate}` : null;
  const payload = sent === "token" ? state.decoded?.payload : null;
  const left = secondsLeft(payload);
  const scopes = tokenScopes(payload);

  if (status === 0) {
    return {
      kind: "error",
      title: "No answer the page may read",
      text:
        "The request failed in the browser: the API is unreachable at this base URL, or it answered without " +
        "Access-Control-Allow-Origin, or its preflight failed (API Gateway answers the preflight for a route " +
        "it does not have with 403), and the browser hid the answer from the page. The browser's network " +
        "panel shows which.",
    };
  }
  if (status >= 200 && status < 300) {
    if (route.auth === "none") {
      return { kind: "ok", title: "OK: public route", text: "This route needs no token; the authorizer is not called." };
    }
    if (sent !== "token") {
      return { kind: "warn", title: "OK without a token?", text: "This route should need a token: check the API's authorizer settings." };
    }
    let text =
      route.auth === "scope"
        ? "The authorizer accepted the token (signature, issuer, audience, expiry) and it carries read:messages."
        : "The authorizer accepted the token: signature, issuer, audience and expiry all check out.";
    if (left !== null && left < 0) {
      text +=
        " The token has expired, yet the call passed: within the authorizer's allowed clock skew (30 s by " +
        "default), or API Gateway reused its cached answer for this token (AuthorizerCacheTtl).";
    }
    return { kind: "ok", title: "OK", text };
  }
  if (status === 401) {
    const readable = wwwLine
      ? ""
      : " (The WWW-Authenticate header was not readable: the API must list it in Access-Control-Expose-Headers.)";
    if (sent === "none") {
      return {
        kind: "error",
        title: "No token",
        text: `No Authorization header: API Gateway answers 401 itself, without calling the authorizer.${readable}`,
      };
    }
    if (sent === "malformed") {
      return {
        kind: "error",
        title: "Malformed token",
        text:
          "The header does not match the authorizer's validation expression (Bearer and a three-part JWT): " +
          `API Gateway answers 401 without calling the authorizer.${readable}`,
      };
    }
    if (!state.decoded) {
      return { kind: "error", title: "Malformed token", text: `The token is not a readable JWT, so the API refuses it.${readable}` };
    }
    if (left !== null && left < 0) {
      return {
        kind: "error",
        title: "Expired token",
        text: `The token expired ${describeDuration(left)} ago (exp): get a new one.${readable}`,
      };
    }
    return {
      kind: "error",
      title: "Token refused (invalid_token)",
      text:
        "The authorizer rejected the token: a signature it cannot verify with the issuer's keys, another issuer " +
        "(iss) or audience (aud) than the API expects, or a token not yet valid (nbf). Compare the decoded " +
        `claims above with the API's TokenIssuer and Audience.${readable}`,
    };
  }
  if (status === 403) {
    if (challenge?.error === "insufficient_scope") {
      const missing = challenge.scope || "a scope this route needs";
      return {
        kind: "error",
        title: "Missing scope",
        text:
          `The token is valid but lacks ${missing}. Its scopes: ${scopes.length ? scopes.join(" ") : "none"}. ` +
          `Get a token with ${missing}.`,
      };
    }
    if (body && /Missing Authentication Token/.test(body)) {
      return { kind: "error", title: "No such route", text: "API Gateway knows no route for this method and path: check the base URL and stage." };
    }
    return {
      kind: "error",
      title: "Forbidden by the authorizer's policy",
      text: "The authorizer answered, but its policy does not allow this route (an explicit Deny or no matching Allow).",
    };
  }
  if (status === 500) {
    return { kind: "error", title: "Authorizer error", text: "API Gateway could not use the authorizer's answer (an exception other than Unauthorized, or a malformed policy): see the authorizer's log." };
  }
  if (status === 502) {
    return { kind: "error", title: "Handler error", text: "The route's function failed or returned a malformed response: see its log." };
  }
  if (status === 429) {
    return { kind: "error", title: "Throttled", text: "The stage's throttling limits refused the request: try again shortly." };
  }
  return { kind: "warn", title: `HTTP ${status}`, text: "An answer this page has no explanation for: see the body and headers." };
}

function authorizationFor(mode) {
  if (mode === "none") return null;
  if (mode === "malformed") return `Bearer ${MALFORMED_TOKEN}`;
  return state.token ? `Bearer ${state.token}` : null;
}

function abbreviate(authorization) {
  if (!authorization) return "(none)";
  const token = authorization.slice("Bearer ".length);
  return token.length > 24 ? `Bearer ${token.slice(0, 12)}…${token.slice(-8)}` : authorization;
}

async function callRoute(route, card) {
  let mode = sendMode();
  if (mode === "token" && !state.token) mode = "none";
  const authorization = authorizationFor(mode);
  const url = `${apiBase()}${route.path}`;
  const headers = authorization ? { Authorization: authorization } : {};
  const result = card.querySelector(".result");
  result.setAttribute("aria-busy", "true");
  card.dataset.status = "pending";

  const outcome = { status: 0, headers: [], body: "", wwwAuthenticate: null, challenge: null, sent: mode };
  try {
    // credentials "omit": the API authenticates by bearer token, never by cookie.
    const response = await fetch(url, { headers, credentials: "omit", cache: "no-store" });
    outcome.status = response.status;
    outcome.statusText = response.statusText;
    outcome.headers = [...response.headers.entries()];
    outcome.wwwAuthenticate = response.headers.get("WWW-Authenticate");
    outcome.challenge = parseChallenge(outcome.wwwAuthenticate);
    outcome.body = await response.text();
  } catch (error) {
    outcome.error = error.message;
  }
  renderOutcome(result, route, url, authorization, outcome);
  result.removeAttribute("aria-busy");
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function prettyBody(body) {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

function renderOutcome(result, route, url, authorization, outcome) {
  const why = explain(route, outcome);
  const card = result.closest(".route");
  card.dataset.status = String(outcome.status);

  const statusLine = element("p", "status-line");
  const badge = element("span", `badge ${why.kind}`, outcome.status ? String(outcome.status) : "failed");
  badge.setAttribute("data-testid", "status");
  statusLine.append(badge, " ", element("strong", "", why.title));

  const explanation = element("div", `why ${why.kind}`);
  explanation.append(element("p", "", why.text));
  if (outcome.wwwAuthenticate) {
    const said = element("p", "challenge");
    said.append("The API says: ", element("code", "", `WWW-Authenticate: ${outcome.wwwAuthenticate}`));
    explanation.append(said);
  }

  const request = element("p", "hint request");
  request.append("Sent: ", element("code", "", `GET ${url}`), " with Authorization: ", element("code", "", abbreviate(authorization)));

  const headerTable = element("table", "headers");
  headerTable.append(element("caption", "", "Response headers readable by this page"));
  const tbody = element("tbody");
  for (const [name, value] of outcome.headers) {
    const row = element("tr");
    const th = element("th", "", name);
    th.scope = "row";
    row.append(th, element("td", "", value));
    tbody.append(row);
  }
  if (!outcome.headers.length) {
    const row = element("tr");
    const cell = element("td", "", outcome.error ? `None: ${outcome.error}` : "None");
    cell.colSpan = 2;
    row.append(cell);
    tbody.append(row);
  }
  headerTable.append(tbody);

  const bodyLabel = element("h4", "", "Body");
  const bodyPre = element("pre", "body", outcome.body ? prettyBody(outcome.body) : "(empty)");

  result.replaceChildren(statusLine, explanation, request, headerTable, bodyLabel, bodyPre);
}

// ---------------------------------------------------------------- wiring

function buildRoutes() {
  const template = $("route-template");
  const container = $("routes");
  for (const route of ROUTES) {
    const card = template.content.firstElementChild.cloneNode(true);
    card.dataset.route = route.path;
    card.querySelector(".path").textContent = route.path;
    card.querySelector(".needs").textContent = route.needs;
    const button = card.querySelector(".call");
    button.textContent = `Call GET ${route.path}`;
    button.addEventListener("click", () => callRoute(route, card));
    card.setAttribute("aria-label", `GET ${route.path}`);
    container.append(card);
    route.card = card;
  }
  $("call-all").addEventListener("click", async () => {
    for (const route of ROUTES) await callRoute(route, route.card);
  });
}

function init() {
  $("api-base").value = defaultApiBase();
  syncTokenEndpoint();
  $("api-base").addEventListener("input", syncTokenEndpoint);
  $("token-endpoint").addEventListener("input", () => {
    tokenEndpointEdited = true;
  });
  $("issue-form").addEventListener("submit", requestToken);
  $("paste-form").addEventListener("submit", usePastedToken);
  $("forget-token").addEventListener("click", forgetToken);
  buildRoutes();
  document.body.dataset.ready = "true";
}

init();
