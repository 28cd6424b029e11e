// The device's queue of captured applications and their documents, in IndexedDB (it
// survives reloads, closed tabs and a restarted phone, where sessionStorage would not), plus
// small cached values in localStorage (the agent last confirmed online, the product list).
// What identifies a person (a capture's request body and summary, a document's name and
// bytes) is sealed with the device key (seal.js) before it is written; the rest (ids,
// statuses, server answers) stays readable so the queue can be sorted and counted.

import * as seal from "./seal.js";

const DB_NAME = "lendbook-agent";
const CAPTURES = "captures";
const DOCUMENTS = "documents";  // {id, capture_id, kind, type, size, status, meta, blob, ...}
const KEYS = "keys";
let dbPromise = null;
let keyPromise = null;

function open() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, 2);
      req.onupgradeneeded = () => {
        const db = req.result;
        if (!db.objectStoreNames.contains(CAPTURES)) db.createObjectStore(CAPTURES, { keyPath: "id" });
        if (!db.objectStoreNames.contains(DOCUMENTS)) {
          db.createObjectStore(DOCUMENTS, { keyPath: "id" }).createIndex("capture", "capture_id");
        }
        if (!db.objectStoreNames.contains(KEYS)) db.createObjectStore(KEYS);
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  return dbPromise;
}

/** Run `fn(stores...)` in one transaction over `names`; resolves with fn's request result. */
async function run(names, mode, fn) {
  const db = await open();
  const list = [names].flat();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(list, mode);
    const result = fn(...list.map((n) => tx.objectStore(n)));
    tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

/** The device's key: made once, never extractable; a second tab racing to make it uses the
 * first one's (add, not put). */
function deviceKey() {
  if (!keyPromise) {
    keyPromise = (async () => {
      const found = await run(KEYS, "readonly", (s) => s.get("device"));
      if (found) return found;
      const made = await seal.generateKey();
      try {
        await run(KEYS, "readwrite", (s) => s.add(made, "device"));
        return made;
      } catch {
        return run(KEYS, "readonly", (s) => s.get("device"));
      }
    })();
    keyPromise.catch(() => { keyPromise = null; });
  }
  return keyPromise;
}

async function sealCapture(item) {
  const { body, summary, ...rest } = item;
  const sealed = await seal.sealJSON(await deviceKey(), { body, summary }, `capture:${item.id}`);
  return { ...rest, sealed };
}

async function openCapture(row) {
  if (!row || !row.sealed) return row;  // saved before sealing existed
  const { sealed, ...rest } = row;
  try {
    return { ...rest, ...await seal.unsealJSON(await deviceKey(), sealed, `capture:${row.id}`) };
  } catch {
    return { ...rest, unreadable: true, summary: { name: "(cannot be read on this device)",
      amount: 0, product_code: "?", term: 0 } };
  }
}

/** Every capture on the device, oldest first. */
export async function all() {
  const rows = await run(CAPTURES, "readonly", (s) => s.getAll());
  const items = await Promise.all(rows.map(openCapture));
  return items.sort((a, b) => a.saved_at.localeCompare(b.saved_at));
}

export const get = async (id) => openCapture(await run(CAPTURES, "readonly", (s) => s.get(id)));

export async function put(item) {
  const row = await sealCapture(item);
  return run(CAPTURES, "readwrite", (s) => s.put(row));
}

/** Remove a capture and its documents. */
export async function remove(id) {
  const docs = await run(DOCUMENTS, "readonly", (d) => d.index("capture").getAll(id));
  return run([CAPTURES, DOCUMENTS], "readwrite", (s, d) => {
    s.delete(id);
    for (const doc of docs) d.delete(doc.id);
  });
}

/** Save a capture with its new documents ({kind, filename, type, bytes}) in one
 * transaction; `oldId`: the capture it replaces (a fixed capture gets a new id), whose
 * documents follow it. */
export async function save(item, files = [], oldId = null) {
  const key = await deviceKey();
  const row = await sealCapture(item);
  const fresh = [];
  const now = new Date().toISOString();
  for (const [seq, f] of files.entries()) {
    const id = uuid();
    fresh.push({ id, capture_id: item.id, kind: f.kind, type: f.type, seq,
      size: f.bytes.byteLength, status: "queued", saved_at: now,
      meta: await seal.sealJSON(key, { filename: f.filename }, `document-meta:${id}`),
      blob: await seal.seal(key, f.bytes, `document:${id}`) });
  }
  const moved = oldId ? await run(DOCUMENTS, "readonly", (d) => d.index("capture").getAll(oldId))
    : [];
  return run([CAPTURES, DOCUMENTS], "readwrite", (s, d) => {
    if (oldId) s.delete(oldId);
    s.put(row);
    for (const doc of moved) d.put({ ...doc, capture_id: item.id });
    for (const doc of fresh) d.put(doc);
  });
}

async function openDocument(row) {
  const key = await deviceKey();
  const { meta, blob, ...rest } = row;
  try {
    return { ...rest, ...await seal.unsealJSON(key, meta, `document-meta:${row.id}`) };
  } catch {
    return { ...rest, filename: "(cannot be read on this device)" };
  }
}

/** A capture's documents, oldest first, without their bytes. */
export async function documentsOf(captureId) {
  const rows = await run(DOCUMENTS, "readonly", (d) => d.index("capture").getAll(captureId));
  rows.sort((a, b) => a.saved_at.localeCompare(b.saved_at) || a.seq - b.seq);
  return Promise.all(rows.map(openDocument));
}

/** A document's bytes (ArrayBuffer), decrypted. */
export async function documentBytes(id) {
  const row = await run(DOCUMENTS, "readonly", (d) => d.get(id));
  return seal.unseal(await deviceKey(), row.blob, `document:${id}`);
}

/** Change a document's status; once uploaded or refused its bytes leave the device. */
export async function updateDocument(id, changes) {
  const row = await run(DOCUMENTS, "readonly", (d) => d.get(id));
  if (!row) return;
  const next = { ...row, ...changes };
  if (next.status === "uploaded" || next.status === "refused") next.blob = null;
  await run(DOCUMENTS, "readwrite", (d) => d.put(next));
}

/** A random v4 UUID: the capture's id and its Idempotency-Key. */
export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function remember(name, value) {
  if (value === null) localStorage.removeItem(`lendbook.agent.${name}`);
  else localStorage.setItem(`lendbook.agent.${name}`, JSON.stringify(value));
}

export function recall(name) {
  try {
    return JSON.parse(localStorage.getItem(`lendbook.agent.${name}`) || "null");
  } catch {
    return null;
  }
}
