// Live dashboard: follows run events over the WebSocket and re-renders the server fragments they concern.
import { confirmForms, replaceKeepingState, tickDurations } from "./ui.js";

const pending = new Map();
// Where the dashboard is served from: "" at the root, "/prefix" when an application mounts lakerun under one.
const ROOT = new URL(import.meta.url).pathname.replace(/\/static\/live\.js$/, "");

function matches(rule, event) {
  if (rule === "*") return true;
  const [kind, value] = [rule.slice(0, rule.indexOf(":")), rule.slice(rule.indexOf(":") + 1)];
  if (kind === "attempt") return event.attempt_id === value;
  if (kind === "final") return event.attempt_id === value && event.type !== "run.progress";
  if (kind === "kind") return event.subject && event.subject.kind === value;
  if (kind === "subject") return event.subject && `${event.subject.kind}/${event.subject.key}` === value;
  return false;
}

const latest = new WeakMap();

async function refresh(element, source) {
  const ticket = (latest.get(element) || 0) + 1;
  latest.set(element, ticket);
  const response = await fetch(source, { credentials: "same-origin", headers: { Accept: "text/html" } });
  if (response.redirected && new URL(response.url).pathname === `${ROOT}/login`) {
    window.location.assign(`${ROOT}/login?next=${encodeURIComponent(location.pathname + location.search)}`);
    return;
  }
  const html = response.ok ? await response.text() : null;
  if (html !== null && latest.get(element) === ticket) replaceKeepingState(element, html);
}

// At most one refresh per region every 150 ms, however busy the event stream is.
function schedule(element, source) {
  if (pending.has(element)) return;
  pending.set(
    element,
    setTimeout(() => {
      pending.delete(element);
      refresh(element, source).catch(() => {});
    }, 150),
  );
}

function refreshAll() {
  for (const element of document.querySelectorAll("[data-live-src]")) schedule(element, element.dataset.liveSrc);
}

function onEvent(event) {
  if (event.type === "heartbeat") return;
  for (const element of document.querySelectorAll("[data-live-src]")) {
    if (matches(element.dataset.liveMatch || "*", event)) schedule(element, element.dataset.liveSrc);
  }
}

function setIndicator(live) {
  const indicator = document.getElementById("live-indicator");
  if (!indicator) return;
  indicator.textContent = live ? "live" : "offline";
  indicator.classList.toggle("off", !live);
}

function connect(delay = 500, reconnecting = false) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}${ROOT}/ui/events`);
  socket.addEventListener("open", () => {
    setIndicator(true);
    if (reconnecting) refreshAll();
    delay = 500;
  });
  socket.addEventListener("message", (message) => onEvent(JSON.parse(message.data)));
  socket.addEventListener("close", (closed) => {
    setIndicator(false);
    if (closed.code === 4401) return;
    setTimeout(() => connect(Math.min(delay * 2, 10000), true), delay);
  });
}

for (const element of document.querySelectorAll("[data-load-src]")) {
  refresh(element, element.dataset.loadSrc).catch(() => {});
}
confirmForms(document);
tickDurations(document);
if (document.querySelector("[data-live-src]") || document.getElementById("live-indicator")) connect();
