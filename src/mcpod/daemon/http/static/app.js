// The mcpod dashboard: polls /api/status every 2 s, tails one log, drives the servers.
// Plain DOM (textContent only: names and log lines are never parsed as HTML).
"use strict";

const POLL_MS = 2000;
const state = { token: sessionStorage.getItem("mcpod-token") || "", logSource: "", busy: {} };
const $ = (id) => document.getElementById(id);

async function api(path, options = {}) {
  const headers = { "content-type": "application/json" };
  if (state.token) headers.authorization = "Bearer " + state.token;
  const response = await fetch(path, { ...options, headers });
  if (response.status === 401) { $("login").hidden = false; throw new Error("needs the token"); }
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ? body.error.message : response.statusText);
  return body;
}

function cell(row, text, className) {
  const td = row.insertCell();
  const heading = row.closest("table").tHead.rows[0].cells[td.cellIndex];
  td.dataset.label = heading ? heading.textContent : "";
  td.textContent = text === null || text === undefined ? "" : String(text);
  if (className) td.className = className;
  return td;
}

function duration(seconds) {
  const s = Math.floor(seconds), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  return (h ? h + "h " : "") + (h || m ? m + "m " : "") + (s % 60) + "s";
}

function megabytes(bytes) { return bytes ? (bytes / 1048576).toFixed(0) + " MB" : ""; }

function renderDaemon(status) {
  $("daemon").textContent =
    `${status.version} · pid ${status.pid} · up ${duration(status.uptime_s)} · ` +
    `${status.sessions} session${status.sessions === 1 ? "" : "s"} · ${status.config}`;
  const banner = $("banner");
  banner.hidden = !status.config_error;
  banner.textContent = status.config_error ? "config not applied: " + status.config_error : "";
}

function renderServers(servers) {
  const body = $("servers").tBodies[0];
  body.replaceChildren();
  for (const server of servers) {
    const row = body.insertRow();
    row.dataset.server = server.name;
    if (server.name === state.logSource) row.classList.add("selected");
    const name = cell(row, server.name);
    name.style.cursor = "pointer";
    name.title = "show its log";
    name.onclick = () => selectLog(server.name);
    const badge = document.createElement("span");
    badge.className = "state " + server.state;
    badge.textContent = server.state;
    const stateCell = cell(row, "");
    stateCell.append(badge);
    const why = server.reason || server.last_error;
    if (why) {
      const note = document.createElement("div");
      note.className = "note";
      note.textContent = why;
      stateCell.append(note);
    }
    cell(row, server.pid, "num pid");
    cell(row, server.tools, "num");
    cell(row, server.calls, "num");
    cell(row, server.errors, "num");
    cell(row, server.p50_ms === null || server.p50_ms === undefined ? "" :
      Math.round(server.p50_ms) + " ms", "num wide");
    cell(row, megabytes(server.rss_bytes), "num wide");
    const actions = cell(row, "", "actions");
    for (const action of ["start", "stop", "restart"]) {
      const button = document.createElement("button");
      button.textContent = action;
      button.dataset.action = action;
      button.disabled = Boolean(state.busy[server.name]) || server.state === "disabled";
      button.onclick = () => act(server.name, action);
      actions.append(button);
    }
  }
}

function renderSessions(sessions) {
  $("session-count").textContent = String(sessions.length);
  const body = $("sessions").tBodies[0];
  body.replaceChildren();
  for (const session of sessions) {
    const row = body.insertRow();
    cell(row, session.id);
    cell(row, [session.client, session.client_version].filter(Boolean).join(" "));
    cell(row, session.protocol_version || session.era);
    cell(row, session.mode + (session.profile ? " (" + session.profile + ")" : ""));
    cell(row, session.requests, "num");
    cell(row, session.inflight, "num");
  }
}

function renderLogSources(servers) {
  const select = $("log-source");
  const names = ["", ...servers.map((s) => s.name)];
  const shown = [...select.options].map((o) => o.value);
  if (names.join("\n") !== shown.join("\n")) {
    select.replaceChildren(...names.map((name) => new Option(name || "daemon", name)));
  }
  if (!state.logSource && servers.length && !state.chosen) state.logSource = servers[0].name;
  select.value = state.logSource;
}

async function refresh() {
  try {
    const status = await api("/api/status");
    $("login").hidden = true;
    renderDaemon(status);
    renderLogSources(status.servers);
    renderServers(status.servers);
    renderSessions(status.session_details);
  } catch (error) {
    $("daemon").textContent = "not reachable: " + error.message;
  }
}

async function refreshLog() {
  if (!$("log-follow").checked) return;
  const path = state.logSource ? "/api/logs/" + encodeURIComponent(state.logSource) : "/api/logs";
  const log = $("log");
  try {
    const tail = await api(path + "?n=200");
    const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 8;
    log.textContent = tail.exists ? tail.lines.join("\n") : "(no log file at " + tail.path + ")";
    if (atBottom) log.scrollTop = log.scrollHeight;
  } catch (error) {
    log.textContent = "log not available: " + error.message;
  }
}

function selectLog(name) {
  state.logSource = name;
  state.chosen = true;
  $("log-source").value = name;
  refreshLog();
  refresh();
}

async function act(name, action) {
  state.busy[name] = true;
  refresh();
  try {
    await api(`/api/servers/${encodeURIComponent(name)}/${action}`, { method: "POST" });
  } catch (error) {
    alert(`${action} ${name}: ${error.message}`);
  } finally {
    delete state.busy[name];
    refresh();
    refreshLog();
  }
}

async function search(event) {
  event.preventDefault();
  const query = $("query").value.trim();
  const list = $("hits");
  list.replaceChildren();
  if (!query) return;
  try {
    const found = await api("/api/search?limit=20&q=" + encodeURIComponent(query));
    if (!found.results.length) list.append(Object.assign(document.createElement("li"),
      { textContent: "no tool matches" }));
    for (const hit of found.results) {
      const item = document.createElement("li");
      const code = document.createElement("code");
      code.textContent = hit.exposed;
      item.append(code, ` (${hit.tokens} tokens) ${hit.description}`);
      list.append(item);
    }
  } catch (error) {
    list.append(Object.assign(document.createElement("li"), { textContent: error.message }));
  }
}

$("search").addEventListener("submit", search);
$("log-source").addEventListener("change", (event) => selectLog(event.target.value));
$("login").addEventListener("submit", (event) => {
  event.preventDefault();
  state.token = $("token").value.trim();
  sessionStorage.setItem("mcpod-token", state.token);
  refresh();
  refreshLog();
});
refresh().then(refreshLog);
setInterval(refresh, POLL_MS);
setInterval(refreshLog, POLL_MS);
