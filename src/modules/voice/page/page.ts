import { DOM_HELPERS } from "../../../core/page-script.ts";
import { COLOURS } from "../status.ts";

/**
 * The dashboard's voice page (`/voice/`): the status with its colour, the microphone
 * level while recording, the last transcripts, the settings, which assistant backends
 * can run here, and the assistant's tool calls from the audit log. Plain HTML and a
 * script that reads the dashboard's own /api/state and follows /api/events, like the
 * main page; everything shown is set as text, never as markup, since transcripts and a
 * model's tool arguments are untrusted.
 */
export const VOICE_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>deskhub · voice</title>
<style>
  :root { color-scheme: light dark; --muted:#888; --card:rgba(127,127,127,.08); --bad:#c62828; --ok:#2e7d32; }
  body { font: 14px/1.45 system-ui, sans-serif; margin: 0; }
  header { display:flex; gap:1rem; align-items:center; padding:.8rem 1.2rem; border-bottom:1px solid rgba(127,127,127,.3); }
  header h1 { font-size:1.1rem; margin:0; }
  #conn { font-size:.85rem; color:var(--muted); }
  main { padding:1rem 1.2rem; display:grid; gap:1.5rem; max-width:1100px; }
  h2 { font-size:1rem; margin:.2rem 0 .6rem; }
  .now { display:flex; gap:1.2rem; align-items:center; flex-wrap:wrap; background:var(--card); border-radius:8px; padding:.8rem 1rem; }
  .dot { width:1.1rem; height:1.1rem; border-radius:50%; display:inline-block; vertical-align:middle; }
  #status { font-size:1.2rem; font-weight:600; margin-left:.4rem; }
  meter { width:12rem; height:1.1rem; }
  .how { font-size:.85rem; color:var(--muted); }
  .bad { color:var(--bad); }
  .good { color:var(--ok); }
  table { border-collapse:collapse; width:100%; }
  td, th { text-align:left; padding:.3rem .5rem; border-bottom:1px solid rgba(127,127,127,.2); vertical-align:top; }
  th { font-weight:600; font-size:.85rem; color:var(--muted); }
  code { font-size:12px; white-space:pre-wrap; word-break:break-word; }
  input, select, button { font:inherit; }
</style>
</head>
<body>
<header><h1>Voice</h1><a href="../">deskhub dashboard</a><span id="conn">connecting</span></header>
<main>
  <section class="now">
    <span><span class="dot" id="dot"></span><span id="status" data-testid="status">…</span></span>
    <span class="how" id="message" data-testid="message"></span>
    <label>Microphone <meter id="level" data-testid="level" min="0" max="100" value="0"></meter></label>
    <button data-testid="cancel" data-command="voice.cancel">Cancel recording</button>
    <button data-testid="stop-speaking" data-command="voice.interrupt">Stop speaking</button>
    <span class="how" id="result"></span>
    <div class="how" id="trigger" data-testid="trigger"></div>
    <div class="how" id="stt" data-testid="stt"></div>
  </section>
  <section><h2>Last transcripts</h2>
    <table data-testid="transcripts"><thead><tr><th>When</th><th>Text</th><th>Mode</th><th>Recogniser</th></tr></thead><tbody id="transcripts"></tbody></table>
  </section>
  <section><h2>Assistant</h2>
    <div id="backend" data-testid="backend"></div>
    <table data-testid="backends"><tbody id="backends"></tbody></table>
  </section>
  <section><h2>Assistant tool calls</h2>
    <table data-testid="audit"><thead><tr><th>When</th><th>Tool</th><th>Arguments</th><th>Decision</th><th>Result</th></tr></thead><tbody id="audit"></tbody></table>
  </section>
  <section><h2>Settings</h2><table><tbody id="settings" data-testid="settings"></tbody></table></section>
</main>
<script type="module">
const COLOURS = ${JSON.stringify(COLOURS)};
${DOM_HELPERS}
const time = (iso) => iso ? new Date(iso).toLocaleTimeString() : "";
const entities = new Map();
const attr = (id) => entities.get(id)?.attributes || {};

async function run(command, args, out) {
  out.textContent = "…";
  const res = await fetch("../api/commands/" + encodeURIComponent(command), {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ args }),
  });
  const body = await res.json();
  out.textContent = res.ok ? "ok" : "error: " + body.error + (body.hint ? " (" + body.hint + ")" : "");
  out.className = res.ok ? "how good" : "how bad";
}

function renderNow() {
  const status = entities.get("voice.status");
  const state = status?.value ?? "unknown";
  $("status").textContent = state;
  $("dot").style.background = COLOURS[state] || "#808080";
  $("message").textContent = attr("voice.status").message || "";
  const hearing = state === "recording" || state === "listening";
  $("level").value = hearing ? Number(entities.get("voice.level")?.value ?? 0) : 0;
  const trigger = entities.get("voice.trigger");
  const problems = attr("voice.trigger").problems || [];
  $("trigger").textContent = trigger ? "Keys: " + trigger.value + " (" + (attr("voice.trigger").detail || "") + ")" + (problems.length ? "; " + problems.join("; ") : "") : "";
  const stt = entities.get("voice.stt_backend");
  $("stt").textContent = stt ? "Recogniser: " + (stt.value ?? "none") + (attr("voice.stt_backend").error ? " (" + attr("voice.stt_backend").error + ")" : "") : "";
}

function renderTranscripts() {
  const history = attr("voice.last_transcript").history || [];
  $("transcripts").replaceChildren(...history.map((t) => el("tr", {},
    el("td", { class: "how" }, time(t.at)), el("td", {}, t.text), el("td", {}, t.mode), el("td", { class: "how" }, t.backend + " · " + t.ms + " ms"))));
}

function renderAssistant() {
  const backend = entities.get("voice.ai_backend");
  const a = attr("voice.ai_backend");
  $("backend").textContent = backend ? "ai_mode " + a.mode + ": " + (backend.value === "unavailable" ? "unavailable, needs " + a.missing : "ready") : "The assistant is not running.";
  $("backend").className = backend?.value === "unavailable" ? "bad" : "";
  $("backends").replaceChildren(...Object.entries(a.backends || {}).map(([name, b]) => el("tr", { "data-backend": name },
    el("td", {}, name),
    el("td", { class: b.available ? "good" : "bad" }, b.available ? "available" : "unavailable"),
    el("td", { class: "how" }, b.available ? b.detail : "needs " + b.missing + (b.how ? ". " + b.how : "")))));
  const calls = attr("voice.ai_audit").calls || [];
  $("audit").replaceChildren(...calls.map((c) => el("tr", { "data-tool": c.tool },
    el("td", { class: "how" }, time(c.at), el("div", {}, c.backend)),
    el("td", {}, c.tool),
    el("td", {}, el("code", {}, JSON.stringify(c.args))),
    el("td", { class: c.ok ? "good" : "bad" }, c.decision, c.reason ? el("div", { class: "how" }, c.reason) : ""),
    el("td", {}, el("code", {}, c.result ?? "")))));
}

function control(e) {
  const out = el("span", { class: "how" });
  const send = (value) => run(e.command, { value }, out);
  let input;
  if (e.kind === "select") {
    input = el("select", { "aria-label": e.name, "data-setting": e.id, onchange: (ev) => send(ev.target.value) },
      (e.options || []).map((o) => el("option", { value: o, selected: o === e.value }, o)));
  } else if (e.kind === "switch") {
    input = el("input", { type: "checkbox", "aria-label": e.name, "data-setting": e.id, checked: e.value === true, onchange: (ev) => send(ev.target.checked) });
  } else {
    const field = el("input", { type: "text", value: e.value ?? "", "aria-label": e.name, "data-setting": e.id });
    input = el("form", { onsubmit: (ev) => { ev.preventDefault(); send(field.value); } }, field, " ", el("button", {}, "set"));
  }
  return el("span", {}, input, " ", out);
}

function renderSettings() {
  const settings = [...entities.values()].filter((e) => e.id.startsWith("voice.") && e.category === "config" && e.command);
  $("settings").replaceChildren(...settings.map((e) => el("tr", {}, el("td", {}, e.name, el("div", { class: "how" }, e.id)), el("td", {}, control(e)))));
}

function render() {
  renderNow();
  renderTranscripts();
  renderAssistant();
  renderSettings();
}

for (const button of document.querySelectorAll("button[data-command]")) {
  button.addEventListener("click", () => run(button.dataset.command, {}, $("result")));
}

async function start() {
  const state = await (await fetch("../api/state")).json();
  for (const e of state.entities) entities.set(e.id, e);
  render();
  const events = new EventSource("../api/events");
  events.addEventListener("open", () => { $("conn").textContent = "live"; });
  events.addEventListener("error", () => { $("conn").textContent = "reconnecting"; });
  events.addEventListener("entity", (m) => {
    const e = JSON.parse(m.data);
    if (!e.id.startsWith("voice.")) return;
    const known = entities.has(e.id);
    entities.set(e.id, e);
    if (e.id === "voice.status" || e.id === "voice.level" || e.id === "voice.trigger" || e.id === "voice.stt_backend") renderNow();
    else if (e.id === "voice.last_transcript") renderTranscripts();
    else if (e.id === "voice.ai_backend" || e.id === "voice.ai_audit") renderAssistant();
    else if (!known || e.category === "config") renderSettings();
  });
}
start();
</script>
</body>
</html>
`;
