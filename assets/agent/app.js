// Field capture page: wires the form, the device queue and sync together. Works offline once
// the service worker (/agent-sw.js) has cached the page and the agent has been seen signed in.

import * as store from "./store.js";
import * as f from "./form.js";
import * as docs from "./docs.js";
import { applyBrand, loadBrand } from "./brand.js";
import { available as canSeal } from "./seal.js";
import { getJSON, syncAll } from "./sync.js";

const $ = (id) => document.getElementById(id);
let agent = store.recall("agent");  // {user_id, name, email}: last confirmed online
let editing = null;  // id of the capture being fixed
let waiting = 0;  // captures (or their documents) not yet sent

function el(tag, { attrs = {}, ...props } = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

const money = (v) => Number(v).toLocaleString("en-US", { style: "currency", currency: "USD" });
const when = (iso) => new Date(iso).toLocaleString([], { dateStyle: "short", timeStyle: "short" });
const online = () => navigator.onLine;

function showNet() {
  const net = $("net");
  net.textContent = online() ? "Online" : "Offline";
  net.className = `pill ${online() ? "online" : "offline"}`;
  net.title = online() ? "Saved applications are sent now" : "Saving on this device only";
}

function showAgent(state) {
  const signin = $("signin");
  signin.hidden = state === "ok";
  $("capture").hidden = !agent || state === "role";
  if (state === "ok" && agent) {
    $("who").textContent = `Signed in as ${agent.name} (${agent.email})` +
      (online() ? "" : " · checked when last online");
  } else if (state === "role") {
    $("who").textContent = "This account is not a field agent's.";
    $("signin-text").textContent = "Sign in as a field agent to capture applications.";
  } else if (state === "offline-unknown") {
    $("who").textContent = "";
    $("signin-text").textContent = "Sign in once while online to capture applications offline.";
  } else {
    $("who").textContent = agent ? `Saved applications belong to ${agent.name}.` : "";
    $("signin-text").textContent = "You are not signed in (or your session has ended).";
  }
}

/** Ask the server who is signed in; offline, trust the last answer. */
async function checkSession() {
  if (!online()) return showAgent(agent ? "ok" : "offline-unknown");
  const { status, data } = await getJSON("/me");
  if (status === 200) {
    agent = { user_id: data.user_id, name: data.name, email: data.email };
    store.remember("agent", agent);
    showAgent("ok");
  } else if (status === 401) {
    agent = null;
    store.remember("agent", null);
    showAgent("signin");
  } else if (status === 403) {
    showAgent("role");
  } else {
    showAgent(agent ? "ok" : "offline-unknown");  // server unreachable: as if offline
  }
  return status;
}

async function loadProducts() {
  if (online()) {
    const { status, data } = await getJSON("/products");
    if (status === 200) store.remember("products", data.products);
  }
  f.setProducts(store.recall("products") || []);
}

const BADGES = { queued: "Queued", syncing: "Syncing…", attention: "Needs attention" };
const meta = (text) => el("div", { className: "meta" }, text);

function card(item, attached) {
  const s = item.summary;
  const r = item.result;
  const mine = agent && item.agent_id === agent.user_id;
  const li = el("li", { className: `card ${item.status}`, id: `capture-${item.id}` },
    el("div", { className: "top" }, el("span", { className: "name" }, s.name),
      el("span", { className: `badge ${r ? r.status : ""}` },
        r ? `Synced: ${r.status}` : BADGES[item.status])),
    meta(`${money(s.amount)} · ${s.product_code} · ${s.term} payments · ` +
      `saved ${when(item.saved_at)}`));
  if (item.status === "synced") {
    li.append(meta(`Application #${r.application_id} · installment ${money(r.installment)} · ` +
      `sent ${when(item.synced_at)}`), ...(r.reasons || []).filter(Boolean).map(meta));
  } else if (item.status === "attention") {
    li.append(el("ul", {}, ...Object.entries(item.errors).map(([path, reason]) =>
      el("li", { className: "error" }, `${f.labelFor(path)}: ${reason}`))));
  } else if (item.last_error) {
    li.append(meta(item.last_error));
  }
  if (attached.length) li.append(docs.list(attached));
  if (!mine) li.append(meta(`Captured by ${item.agent_email}: sign in as them to send it.`));
  if (item.status === "attention" && mine) {
    const button = (text, className, onclick) => el("button", { type: "button", className,
      textContent: text, onclick, attrs: { "aria-label": `${text} ${s.name}'s application` } });
    li.append(el("div", { className: "buttons" }, button("Fix", "", () => startFix(item)),
      button("Remove", "secondary", () => removeCapture(item))));
  }
  return li;
}

const waitingDoc = (d) => d.status === "queued" || d.status === "uploading";

async function renderQueue() {
  const items = await store.all();
  const attached = await Promise.all(items.map((i) => store.documentsOf(i.id)));
  $("queue").replaceChildren(...items.map((item, n) => card(item, attached[n])));
  $("queue-empty").hidden = items.length > 0;
  $("clear-synced").hidden = !items.some((i) => i.status === "synced");
  waiting = items.filter((i, n) => i.status === "queued" || i.status === "syncing" ||
    attached[n].some(waitingDoc)).length;
  $("sync").textContent = `Sync now (${waiting})`;
  $("sync").hidden = waiting === 0;
}

async function renderServer() {
  if (!online() || !agent) return;
  const { status, data } = await getJSON("/applications");
  if (status !== 200) return;
  $("server").hidden = false;
  $("server-empty").hidden = data.applications.length > 0;
  $("server-list").replaceChildren(...data.applications.map((a) => el("li",
    { className: "card synced" },
    el("div", { className: "top" }, el("span", { className: "name" }, a.applicant),
      el("span", { className: `badge ${a.status}` }, a.status)),
    meta(`#${a.application_id} · ${money(a.amount)} · ${a.product_code} · ` +
      `${a.term} payments · ${when(a.created_at)}`))));
}

async function sync(event) {
  const manual = event instanceof Event;  // the button, not the automatic triggers
  if (!online() || !agent) {
    if (manual) {
      $("sync-status").textContent =
        "Offline: saved applications will be sent when the network is back.";
    }
    return;
  }
  const status = $("sync-status");
  const bar = $("sync-progress");
  $("sync").disabled = true;
  const outcome = await syncAll(agent.user_id, (done, total) => {
    bar.hidden = false;
    bar.max = total;
    bar.value = done;
    status.textContent = done < total ? `Sending ${done + 1} of ${total}…`
      : `Sent ${done} of ${total}.`;
    renderQueue();
  });
  bar.hidden = true;
  $("sync").disabled = false;
  const parts = [];
  if (outcome.sent) parts.push(`Sent ${outcome.sent} application${outcome.sent > 1 ? "s" : ""}.`);
  if (outcome.uploaded) {
    parts.push(`Uploaded ${outcome.uploaded} document${outcome.uploaded > 1 ? "s" : ""}.`);
  }
  if (outcome.refused) {
    parts.push(`${outcome.refused} document${outcome.refused > 1 ? "s were" : " was"} refused.`);
  }
  if (outcome.attention) {
    parts.push(`${outcome.attention} need${outcome.attention > 1 ? "" : "s"} attention.`);
  }
  if (outcome.stopped === "signin") {
    parts.push("Your session has ended: sign in again to send the rest.");
    agent = null;
    store.remember("agent", null);
    showAgent("signin");
  } else if (outcome.stopped === "role") {
    parts.push("This account may not send field applications.");
  } else if (outcome.stopped) {
    parts.push("Stopped: the server could not be reached. Saved applications stay queued.");
  }
  if (!outcome.total && manual) parts.push("Nothing to send.");
  status.textContent = parts.join(" ");
  await renderQueue();
  await renderServer();
}

function startFix(item) {
  editing = item.id;
  f.fill(JSON.parse(item.body));
  f.showErrors(item.errors, "The server could not accept this application. Fix it and save again:");
  $("editing").hidden = false;
  $("cancel-edit").hidden = false;
  $("capture").scrollIntoView({ block: "start" });
}

function stopFix() {
  editing = null;
  $("editing").hidden = true;
  $("cancel-edit").hidden = true;
  f.reset();
  docs.clear();
}

async function removeCapture(item) {
  const question = `Remove ${item.summary.name}'s application from this device? It was not sent.`;
  if (!confirm(question)) return;
  await store.remove(item.id);
  if (editing === item.id) stopFix();
  await renderQueue();
}

async function save(event) {
  event.preventDefault();
  $("saved-msg").textContent = "";
  if (!canSeal()) {
    return f.showErrors({ "(device)": "cannot encrypt saved applications in this browser " +
      "(open the page over https)" }, "Not saved:");
  }
  const body = f.collect();
  const chosen = await docs.picked();
  const errors = { ...f.validate(body), ...chosen.errors };
  if (Object.keys(errors).length) return f.showErrors(errors, "Please check these fields:");
  const a = body.applicant;
  const item = {
    id: store.uuid(),  // a fixed capture is a new request: it gets a new key
    agent_id: agent.user_id, agent_email: agent.email, saved_at: new Date().toISOString(),
    status: "queued", body: JSON.stringify(body),  // these exact bytes are what is sent
    summary: { name: `${a.first_name} ${a.last_name}`, amount: body.amount,
      product_code: body.product_code, term: body.term },
  };
  await store.save(item, chosen.files, editing);
  stopFix();
  const n = chosen.files.length;
  $("saved-msg").textContent = `Saved on this device: ${item.summary.name}, ${money(body.amount)}` +
    (n ? `, with ${n} document${n > 1 ? "s" : ""}.` : ".") +
    (online() ? "" : " It will be sent when you are back online.");
  await renderQueue();
  if (online()) sync();
}

async function whenOnline() {
  showNet();
  const status = await checkSession();
  await loadProducts();
  if (status === 200) await sync();
  await renderServer();
}

async function registerWorker() {
  if (!("serviceWorker" in navigator)) {
    $("offline-ready").textContent = "This browser cannot keep the page for offline use.";
    return;
  }
  try {
    await navigator.serviceWorker.register("/agent-sw.js", { scope: "/agent" });
    await navigator.serviceWorker.ready;
    $("offline-ready").textContent = "This page is saved on the device and opens without a network.";
  } catch (e) {
    $("offline-ready").textContent = `Offline use is not available here (${e.message}).`;
  }
}

function start() {
  applyBrand(store.recall("brand"));
  if (online()) loadBrand();
  f.setupStates();
  f.setProducts(store.recall("products") || []);
  $("capture").addEventListener("submit", save);
  $("cancel-edit").addEventListener("click", stopFix);
  $("sync").addEventListener("click", sync);
  $("clear-synced").addEventListener("click", async () => {
    for (const i of await store.all()) {
      if (i.status === "synced" && !(await store.documentsOf(i.id)).some(waitingDoc)) {
        await store.remove(i.id);
      }
    }
    renderQueue();
  });
  window.addEventListener("online", whenOnline);
  window.addEventListener("offline", () => {
    showNet();
    showAgent(agent ? "ok" : "offline-unknown");
  });
  setInterval(() => {  // retry what a failed sync left queued
    if (waiting && online() && agent) sync();
  }, 60000);
  showNet();
  renderQueue();
  registerWorker();
  (online() ? whenOnline() : checkSession()).finally(() => {
    document.documentElement.dataset.ready = "true";
  });
}

start();
