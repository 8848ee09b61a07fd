// Small page behaviours: confirmation before actions, and ticking durations of running work.

export function confirmForms(root) {
  root.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}

export function formatDuration(seconds) {
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  const rest = String(Math.floor(seconds % 60)).padStart(2, "0");
  if (minutes < 60) return `${minutes}m ${rest}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, "0")}m`;
}

export function tickDurations(root) {
  setInterval(() => {
    for (const element of root.querySelectorAll("[data-since]")) {
      const since = Date.parse(element.dataset.since);
      if (!Number.isNaN(since)) element.textContent = formatDuration(Math.max(0, (Date.now() - since) / 1000));
    }
  }, 1000);
}

function keyOf(node) {
  const row = node.closest("[data-attempt]");
  const own = node.getAttribute("href") || node.getAttribute("name") || node.textContent.trim().slice(0, 80);
  return `${row ? row.dataset.attempt : ""}|${node.tagName}|${own}`;
}

function findByKey(root, selector, key) {
  return Array.from(root.querySelectorAll(selector)).find((node) => keyOf(node) === key);
}

// Swaps a fragment in without losing the keyboard focus or which error details were open.
export function replaceKeepingState(element, html) {
  const focused = element.contains(document.activeElement) ? keyOf(document.activeElement) : null;
  const focusTag = focused ? document.activeElement.tagName.toLowerCase() : null;
  const open = new Set(Array.from(element.querySelectorAll("details[open] > summary"), keyOf));
  element.innerHTML = html;
  for (const summary of element.querySelectorAll("details > summary")) {
    if (open.has(keyOf(summary))) summary.parentElement.open = true;
  }
  if (focused) findByKey(element, focusTag, focused)?.focus();
}
