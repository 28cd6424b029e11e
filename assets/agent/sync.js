// Sending saved captures to the server, each exactly once in effect: every capture carries
// its own id as Idempotency-Key and the exact bytes saved on the device, so a retry after a
// lost answer (or a second tab syncing at once) is answered with the first result and stores
// nothing twice. A capture's data leaves the device only after a 2xx answer; a 422 or 409
// keeps it, marked "needs attention" with the server's errors by field. Its documents go
// after it, once the server has given the application's id, each under its own device id as
// Idempotency-Key; a document the server refuses is marked refused with the server's reason.

import * as store from "./store.js";

const API = "/api/v1/agent";
const NOT_SENT = {
  0: "Not sent: no connection. It will be sent when the network is back.",
  401: "Not sent: your session has ended. Sign in again to send it.",
  403: "Not sent: the signed-in account is not a field agent's.",
};
let running = null;

/** GET an agent API resource: {status, data}; status 0 when the network failed. */
export async function getJSON(path) {
  try {
    const r = await fetch(API + path, { credentials: "same-origin", cache: "no-store" });
    return { status: r.status, data: await r.json().catch(() => null) };
  } catch {
    return { status: 0, data: null };
  }
}

async function send(item) {
  try {
    const r = await fetch(`${API}/applications`, {
      method: "POST", credentials: "same-origin", cache: "no-store", body: item.body,
      headers: { "Content-Type": "application/json", "Idempotency-Key": item.id },
    });
    return { status: r.status, data: await r.json().catch(() => null) };
  } catch {
    return { status: 0, data: null };
  }
}

async function sendDocument(applicationId, doc) {
  try {
    const bytes = await store.documentBytes(doc.id);
    const query = new URLSearchParams({ kind: doc.kind, filename: doc.filename });
    const r = await fetch(`${API}/applications/${applicationId}/documents?${query}`, {
      method: "POST", credentials: "same-origin", cache: "no-store", body: bytes,
      headers: { "Content-Type": doc.type, "Idempotency-Key": doc.id },
    });
    return { status: r.status, data: await r.json().catch(() => null) };
  } catch {
    return { status: 0, data: null };
  }
}

/** Upload a synced capture's waiting documents; returns a stop reason or null. */
async function sendDocuments(item, outcome, onProgress) {
  for (const doc of await store.documentsOf(item.id)) {
    if (doc.status !== "queued" && doc.status !== "uploading") continue;
    await store.updateDocument(doc.id, { status: "uploading" });
    onProgress();
    const { status, data } = await sendDocument(item.result.application_id, doc);
    if (status === 200 || status === 201) {
      await store.updateDocument(doc.id, { status: "uploaded", document_id: data.document_id,
        uploaded_at: new Date().toISOString(), last_error: null });
      outcome.uploaded += 1;
    } else if ([400, 404, 409, 413, 415, 422].includes(status)) {
      const reasons = ((data && data.errors) || []).map((e) => e.reason).join("; ");
      await store.updateDocument(doc.id, { status: "refused", http_status: status,
        error: reasons || `the server answered ${status}` });
      outcome.refused += 1;
    } else {
      await store.updateDocument(doc.id, { status: "queued", last_error: NOT_SENT[status] ||
        `Not sent: the server answered ${status}; it will be tried again.` });
      return { 0: "offline", 401: "signin", 403: "role" }[status] || "server";
    }
    onProgress();
  }
  return null;
}

/** Captures whose documents still wait (their application is on the server already). */
async function withWaitingDocuments(items) {
  const out = [];
  for (const i of items.filter((x) => x.status === "synced")) {
    const docs = await store.documentsOf(i.id);
    if (docs.some((d) => d.status === "queued" || d.status === "uploading")) out.push(i);
  }
  return out;
}

function fieldErrors(data, fallback) {
  const out = {};
  for (const e of (data && data.errors) || []) out[e.field] = e.reason;
  return Object.keys(out).length ? out : { "(request)": fallback };
}

/**
 * Send every queued capture of this agent, oldest first. `onProgress(done, total, item)` is
 * called as it goes. Returns {sent, attention, uploaded, refused (documents), stopped};
 * `stopped` says why it stopped early
 * (401 "signin", 403 "role", 0 "offline", 5xx "server").
 */
export function syncAll(agentId, onProgress) {
  if (running) return running;
  const job = async () => {
    const outcome = { sent: 0, attention: 0, uploaded: 0, refused: 0, stopped: null, total: 0 };
    const tried = new Set();  // a capture saved while this runs is sent in the same run
    for (;;) {
      const mine = (await store.all()).filter((i) => i.agent_id === agentId && !tried.has(i.id));
      const pending = [...mine.filter((i) => i.status === "queued" || i.status === "syncing"),
        ...await withWaitingDocuments(mine)];  // "syncing": interrupted last time
      if (!pending.length || outcome.stopped) return outcome;
      outcome.total += pending.length;
      for (const item of pending) {
        tried.add(item.id);
        onProgress(tried.size - 1, outcome.total, item);
        if (item.status === "synced") {  // only its documents are left to send
          outcome.stopped = await sendDocuments(item, outcome, () => onProgress(tried.size - 1,
            outcome.total, item));
          if (outcome.stopped) break;
          onProgress(tried.size, outcome.total, item);
          continue;
        }
        await store.put({ ...item, status: "syncing" });
        const { status, data } = await send(item);
        if (status === 200 || status === 201) {
          // The application's data leaves the device; a receipt stays to show the decision.
          await store.put({ id: item.id, agent_id: item.agent_id, agent_email: item.agent_email,
            saved_at: item.saved_at, summary: item.summary, status: "synced",
            synced_at: new Date().toISOString(),
            result: { application_id: data.application_id, status: data.status,
              stage: data.stage, reasons: data.reasons, installment: data.installment } });
          outcome.sent += 1;
          outcome.stopped = await sendDocuments(await store.get(item.id), outcome,
            () => onProgress(tried.size - 1, outcome.total, item));
          if (outcome.stopped) break;
        } else if ([400, 409, 413, 415, 422].includes(status)) {
          const why = status === 409 ? "the server already has a different application under this id"
            : "the server could not accept it";
          await store.put({ ...item, status: "attention", errors: fieldErrors(data, why),
            http_status: status });
          outcome.attention += 1;
        } else {
          await store.put({ ...item, status: "queued", last_error: NOT_SENT[status] ||
            `Not sent: the server answered ${status}; it will be tried again.` });
          outcome.stopped = { 0: "offline", 401: "signin", 403: "role" }[status] || "server";
          break;
        }
        onProgress(tried.size, outcome.total, item);
      }
    }
  };
  const locked = navigator.locks
    ? navigator.locks.request("lendbook-agent-sync", job)  // one sync at a time, across tabs
    : job();
  running = locked.finally(() => { running = null; });
  return running;
}
