import { DOM_HELPERS } from "../../core/page-script.ts";

/**
 * The dashboard is one page with no build step: plain HTML, CSS and a script that
 * renders /api/state and follows /api/events. Kept as a module so the packaged
 * JavaScript carries it.
 */
export const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>deskhub</title>
<style>
  :root { color-scheme: light dark; --ok:#2e7d32; --warn:#b26a00; --bad:#c62828; --muted:#888; --card:rgba(127,127,127,.08); }
  body { font: 14px/1.45 system-ui, sans-serif; margin: 0; }
  header { display:flex; gap:1rem; align-items:center; padding:.8rem 1.2rem; border-bottom:1px solid rgba(127,127,127,.3); }
  header h1 { font-size:1.1rem; margin:0; }
  #conn { font-size:.85rem; color:var(--muted); }
  #conn.live::before { content:"● "; color:var(--ok); }
  #conn.down::before { content:"● "; color:var(--bad); }
  main { padding: 1rem 1.2rem; display:grid; gap:1.5rem; max-width:1200px; }
  h2 { font-size:1rem; margin:.2rem 0 .6rem; }
  .cards { display:grid; grid-template-columns:repeat(auto-fill,minmax(260px,1fr)); gap:.7rem; }
  .card { background:var(--card); border-radius:8px; padding:.7rem .9rem; }
  .card h3 { margin:0 0 .3rem; font-size:.95rem; display:flex; justify-content:space-between; }
  .badge { font-size:.75rem; padding:.05rem .45rem; border-radius:99px; color:#fff; background:var(--muted); }
  .badge.running,.badge.available { background:var(--ok); }
  .badge.degraded,.badge.starting,.badge.needs_config { background:var(--warn); }
  .badge.failed { background:var(--bad); }
  .how { font-size:.85rem; color:var(--muted); margin-top:.3rem; }
  table { border-collapse:collapse; width:100%; }
  td, th { text-align:left; padding:.3rem .5rem; border-bottom:1px solid rgba(127,127,127,.2); vertical-align:top; }
  th { font-weight:600; font-size:.85rem; color:var(--muted); }
  .value { font-variant-numeric: tabular-nums; font-weight:600; }
  .flash { animation: flash 1s ease-out; }
  @keyframes flash { from { background: rgba(255,200,0,.45); } to { background: transparent; } }
  pre { background:var(--card); padding:.7rem; border-radius:8px; overflow:auto; max-height:24rem; font-size:12px; }
  .problem { color:var(--bad); }
  form.cmd { display:flex; gap:.4rem; flex-wrap:wrap; align-items:center; }
  input, select, button { font:inherit; }
  .result { font-size:.85rem; color:var(--muted); }
</style>
</head>
<body>
<header><h1>deskhub</h1><span id="host"></span><span id="conn" class="down">connecting</span></header>
<main>
  <section><h2>Modules</h2><div class="cards" id="modules" data-testid="modules"></div></section>
  <section><h2>Entities</h2><table data-testid="entities"><thead><tr><th>Entity</th><th>Value</th><th>Control</th><th>Changed</th></tr></thead><tbody id="entities"></tbody></table></section>
  <section><h2>Commands</h2><table data-testid="commands"><tbody id="commands"></tbody></table></section>
  <section><h2>Config</h2><div id="problems" data-testid="problems"></div><p class="how" id="files"></p><pre id="config" data-testid="config"></pre></section>
  <section><h2>Log</h2><pre id="log" data-testid="log"></pre></section>
</main>
<script type="module">
${DOM_HELPERS}
const fmt = (e) => e.value === true ? "on" : e.value === false ? "off" : e.value === null ? "—" : String(e.value) + (e.unit ? " " + e.unit : "");
const ago = (ms) => ms ? new Date(ms).toLocaleTimeString() : "";
let state = { entities: new Map(), commands: [] };

async function run(command, args, out) {
  out.textContent = "…";
  const res = await fetch("api/commands/" + encodeURIComponent(command), {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ args }),
  });
  const body = await res.json();
  out.textContent = res.ok ? "ok" + (body.result !== null && body.result !== undefined ? ": " + JSON.stringify(body.result) : "") : "error: " + body.error + (body.hint ? " (" + body.hint + ")" : "");
}

function control(e) {
  if (!e.command) return "";
  const out = el("span", { class: "result" });
  const send = (value) => run(e.command, e.kind === "button" ? {} : { value }, out);
  let input;
  if (e.kind === "button") input = el("button", { onclick: () => send() }, e.name);
  else if (e.kind === "switch") input = el("button", { onclick: () => send(!(state.entities.get(e.id)?.value === true)) }, "toggle");
  else if (e.kind === "select") {
    input = el("select", { onchange: (ev) => send(ev.target.value), "aria-label": e.name },
      (e.options || []).map((o) => el("option", { value: o, selected: o === e.value }, o)));
  } else {
    const field = el("input", { type: e.kind === "number" ? "number" : "text", min: e.min, max: e.max, step: e.step, "aria-label": e.name });
    input = el("form", { class: "cmd", onsubmit: (ev) => { ev.preventDefault(); send(e.kind === "number" ? Number(field.value) : field.value); } }, field, el("button", {}, "set"));
  }
  return el("span", {}, input, " ", out);
}

function entityRow(e) {
  return el("tr", { id: "entity-" + e.id, "data-entity": e.id },
    el("td", { title: e.id }, e.name, el("div", { class: "how" }, e.id)),
    el("td", { class: "value", "data-testid": "value-" + e.id }, fmt(e)),
    el("td", {}, control(e)),
    el("td", { class: "how" }, ago(e.changedAt)));
}

function renderEntities() {
  const rows = [...state.entities.values()].filter((e) => !e.id.endsWith(".health")).sort((a, b) => a.id.localeCompare(b.id));
  $("entities").replaceChildren(...rows.map(entityRow));
}

function renderModules() {
  const health = [...state.entities.values()].filter((e) => e.id.endsWith(".health"));
  $("modules").replaceChildren(...health.map((h) => {
    const name = h.id.slice(0, -".health".length);
    const a = h.attributes || {};
    return el("div", { class: "card", "data-module": name },
      el("h3", {}, name, el("span", { class: "badge " + h.value, "data-testid": "health-" + name }, String(h.value).replace("_", " "))),
      el("div", {}, a.summary || ""),
      a.message ? el("div", { class: "how" }, a.message) : "",
      a.how ? el("div", { class: "how" }, "How: " + a.how) : "");
  }));
}

function commandRow(c) {
  const props = (c.args && c.args.properties) || {};
  const fields = Object.entries(props).map(([name, schema]) =>
    el("input", { name, placeholder: name + (schema.type ? " (" + schema.type + ")" : ""), "data-type": schema.type || "string" }));
  const out = el("span", { class: "result", "data-testid": "result-" + c.id });
  const form = el("form", { class: "cmd", onsubmit: (ev) => {
    ev.preventDefault();
    const args = {};
    for (const f of fields) if (f.value !== "") args[f.name] = f.dataset.type === "number" || f.dataset.type === "integer" ? Number(f.value) : f.dataset.type === "boolean" ? f.value === "true" : f.value;
    run(c.id, args, out);
  } }, fields, el("button", { "data-testid": "run-" + c.id }, "run"), out);
  return el("tr", {}, el("td", {}, c.id, el("div", { class: "how" }, c.summary)), el("td", {}, form));
}

function render(data) {
  $("host").textContent = data.daemon.hostname + " · deskhub " + data.daemon.version;
  state.entities = new Map(data.entities.map((e) => [e.id, e]));
  state.commands = data.commands;
  renderModules();
  renderEntities();
  $("commands").replaceChildren(...data.commands.map(commandRow));
  $("problems").replaceChildren(...data.config.problems.map((p) =>
    el("div", { class: "problem" }, p.file + (p.line ? ":" + p.line : "") + ": " + (p.path ? p.path + ": " : "") + p.message)));
  $("files").textContent = data.config.files.length ? "Read from " + data.config.files.join(", ") : "No config file: every module runs on its defaults. Create one with deskhub config init.";
  $("config").textContent = JSON.stringify(data.config.effective, null, 2);
  $("log").textContent = data.logs.join("\\n");
}

function onEntity(e) {
  state.entities.set(e.id, e);
  if (e.id.endsWith(".health")) return renderModules();
  const row = document.getElementById("entity-" + e.id);
  if (!row) return renderEntities();
  const fresh = entityRow(e);
  fresh.classList.add("flash");
  row.replaceWith(fresh);
}

async function start() {
  render(await (await fetch("api/state")).json());
  const events = new EventSource("api/events");
  events.addEventListener("open", () => { $("conn").className = "live"; $("conn").textContent = "live"; });
  events.addEventListener("error", () => { $("conn").className = "down"; $("conn").textContent = "reconnecting"; });
  events.addEventListener("entity", (m) => onEntity(JSON.parse(m.data)));
  events.addEventListener("log", (m) => {
    const log = $("log");
    log.textContent = (log.textContent ? log.textContent + "\\n" : "") + JSON.parse(m.data);
    log.scrollTop = log.scrollHeight;
  });
}
start();
</script>
</body>
</html>
`;
