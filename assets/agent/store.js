// The device's queue of captured applications, in IndexedDB (it survives reloads, closed tabs
// and a restarted phone, where sessionStorage would not), plus small cached values in
// localStorage (the agent last confirmed online, the product list).

const DB_NAME = "lendbook-agent";
const STORE = "captures";
let dbPromise = null;

function open() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: "id" });
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  return dbPromise;
}

async function run(mode, fn) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const result = fn(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

/** Every capture on the device, oldest first. */
export async function all() {
  const items = await run("readonly", (s) => s.getAll());
  return items.sort((a, b) => a.saved_at.localeCompare(b.saved_at));
}

export const get = (id) => run("readonly", (s) => s.get(id));
export const put = (item) => run("readwrite", (s) => s.put(item));
export const remove = (id) => run("readwrite", (s) => s.delete(id));

/** Replace one capture by another in one transaction (a fixed capture gets a new id). */
export function replace(oldId, item) {
  return run("readwrite", (s) => { s.delete(oldId); s.put(item); });
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
