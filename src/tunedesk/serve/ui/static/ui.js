// tunedesk review app: JSON fetches with the session's CSRF token, keyboard review, a streamed "try a ticket".
"use strict";

const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
const flash = (text, isError) => {
  const el = document.getElementById("flash");
  el.textContent = text;
  el.className = isError ? "error" : "";
};

async function postJson(url, body, extraHeaders) {
  const response = await fetch(url, {
    method: "POST", credentials: "same-origin", body: JSON.stringify(body || {}),
    headers: Object.assign({"Content-Type": "application/json", "X-CSRF-Token": csrf()}, extraHeaders || {}),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error((data.error && data.error.message) || response.statusText);
  return data;
}

function setupLogin() {
  const form = document.getElementById("login-form");
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const key = document.getElementById("login-key");
    const headers = key && key.value ? {"X-API-Key": key.value} : {};
    try {
      await postJson("/ui/api/login", {name: document.getElementById("login-name").value}, headers);
      window.location.assign("/ui");
    } catch (err) {
      document.getElementById("login-error").textContent = err.message;
    }
  });
}

function setupLogout() {
  const button = document.getElementById("logout");
  if (!button) return;
  button.addEventListener("click", async () => {
    await postJson("/ui/api/logout").catch(() => null);
    window.location.assign("/ui/login");
  });
}

const queueItems = () => Array.from(document.querySelectorAll("#queue .item"));
let current = 0;

function select(index) {
  const items = queueItems();
  if (!items.length) return;
  current = Math.max(0, Math.min(index, items.length - 1));
  items.forEach((item, i) => item.classList.toggle("current", i === current));
  items[current].focus({preventScroll: true});
  items[current].scrollIntoView({block: "nearest"});
}

async function act(item, action) {
  const id = item.dataset.id;
  try {
    if (action === "edit") {
      item.querySelector(".edit").hidden = false;
      item.querySelector(".edit-text").focus();
      return;
    }
    if (action === "up" || action === "down") {
      await postJson(`/ui/api/replies/${id}/rate`, {up: action === "up"});
      flash(`Rated ${action === "up" ? "up" : "down"}`);
      return;
    }
    const kind = action === "send-edit" ? "edit" : action;
    const body = kind === "edit" ? {kind, text: item.querySelector(".edit-text").value} : {kind};
    const done = await postJson(`/ui/api/replies/${id}/review`, body);
    flash(`Ticket ${item.querySelector(".meta b").textContent}: ${done.status}`);
    item.remove();
    const left = queueItems().length;
    document.getElementById("queue-count").textContent = `${left} pending`;
    select(current);
  } catch (err) {
    flash(err.message, true);
  }
}

function setupQueue() {
  const queue = document.getElementById("queue");
  if (!queue) return;
  queue.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (button) act(button.closest(".item"), button.dataset.action);
  });
  queue.addEventListener("keydown", (event) => {
    if (event.target.matches("textarea") && event.key === "Enter" && event.ctrlKey) {
      event.preventDefault();
      act(event.target.closest(".item"), "send-edit");
    } else if (event.target.matches("textarea") && event.key === "Escape") {
      event.target.closest(".item").focus();
    }
  });
  const keys = {a: "approve", e: "edit", r: "reject", x: "escalate"};
  document.addEventListener("keydown", (event) => {
    if (event.target.matches("input, textarea") || event.ctrlKey || event.metaKey || event.altKey) return;
    const items = queueItems();
    if (event.key === "j") select(current + 1);
    else if (event.key === "k") select(current - 1);
    else if (keys[event.key] && items[current]) {
      event.preventDefault();  // "e" opens the text box: the key must not be typed into it
      act(items[current], keys[event.key]);
    }
  });
  select(0);
}

function renderSseEvent(block, output, decisionEl) {
  let name = "message";
  let data = "";
  for (const line of block.split("\n")) {
    if (line.startsWith("event: ")) name = line.slice(7);
    else if (line.startsWith("data: ")) data += line.slice(6);
  }
  if (!data || data === "[DONE]") return;
  const payload = JSON.parse(data);
  if (name === "decision") {
    output.textContent = payload.reply;  // the checked, final text replaces the raw deltas
    decisionEl.textContent = `Decision: ${payload.decision} · confidence ${payload.confidence} ` +
      `(${Number(payload.confidence_score).toFixed(2)})` + (payload.reasons.length ? ` · ${payload.reasons.join(", ")}` : "");
  } else if (payload.delta) {
    output.textContent += payload.delta;
  }
}

function setupTry() {
  const form = document.getElementById("try-form");
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const output = document.getElementById("try-output");
    const decisionEl = document.getElementById("try-decision");
    output.textContent = "";
    decisionEl.textContent = "";
    const response = await fetch("/v1/replies", {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf()},
      body: JSON.stringify({stream: true, ticket_id: `ui-try-${Date.now()}`,
        messages: [{role: "customer", content: document.getElementById("try-text").value}]}),
    });
    if (!response.ok || !response.body) {
      decisionEl.textContent = `Error ${response.status}`;
      return;
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const {value, done} = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, {stream: true});
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        renderSseEvent(buffer.slice(0, cut), output, decisionEl);
        buffer = buffer.slice(cut + 2);
      }
    }
  });
}

function showGate(title, criteria) {
  document.getElementById("gate-result").hidden = false;
  document.getElementById("gate-title").textContent = title;
  const list = document.getElementById("gate-criteria");
  list.replaceChildren(...criteria.map((c) => {
    const li = document.createElement("li");
    li.className = c.passed ? "passed" : "failed";
    li.textContent = `${c.passed ? "✓" : "✗"} ${c.name}: ${c.value ?? "–"} (needs ${c.threshold ?? "–"}) ${c.detail || ""}`;
    return li;
  }));
}

function setupModels() {
  const table = document.getElementById("versions");
  if (!table) return;
  table.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-promote]");
    if (!button) return;
    try {
      const result = await postJson(`/ui/api/models/${encodeURIComponent(button.dataset.promote)}/promote`);
      const failing = result.criteria.filter((c) => !c.passed);
      showGate(result.promoted ? `${result.version} is now in production` :
        `Promotion of ${result.version} refused: ${failing.map((c) => c.name).join(", ")}`, result.criteria);
    } catch (err) {
      showGate(`Cannot promote: ${err.message}`, []);
    }
  });
  document.getElementById("rollback").addEventListener("click", async () => {
    try {
      const result = await postJson("/ui/api/models/rollback", {});
      showGate(`Rolled back: ${result.archived} archived, ${result.production} in production`, []);
    } catch (err) {
      showGate(`Cannot roll back: ${err.message}`, []);
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  setupLogin();
  setupLogout();
  setupQueue();
  setupTry();
  setupModels();
});
