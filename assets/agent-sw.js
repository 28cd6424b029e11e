// Service worker for the field agents' capture page. It lives at the site root so it may take
// the scope "/agent" (a worker's scope cannot be wider than its own folder), which covers
// /agent, /agent/ and /agent/*; the page registers it with that scope, so the Reflex pages
// are never touched. It keeps the page's files in a cache and answers from it at once
// (stale-while-revalidate: a fresh copy is fetched behind for the next visit), so the page
// opens with no network. API calls are never cached or answered here: they go to the network
// and the page keeps its own queue (IndexedDB).

const CACHE = "lendbook-agent-v2";  // change to drop every cached copy at the next visit
const SHELL = ["/agent/", "/agent/app.js", "/agent/form.js", "/agent/store.js",
  "/agent/sync.js", "/agent/seal.js", "/agent/docs.js", "/agent/brand.js", "/agent/agent.css"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE)
    .then((cache) => cache.addAll(SHELL.map((url) => new Request(url, { cache: "reload" }))))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith("lendbook-agent-") && k !== CACHE)
      .map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

function shellKey(request) {
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return null;
  const path = url.pathname === "/agent" || url.pathname === "/agent/index.html"
    ? "/agent/" : url.pathname;
  return SHELL.includes(path) ? path : null;
}

async function refresh(cache, key) {
  const response = await fetch(new Request(key, { cache: "no-cache" }));
  if (response.ok && !response.redirected) await cache.put(key, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const key = shellKey(event.request);
  if (key === null) return;  // everything else (the API above all) goes to the network
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const cached = await cache.match(key);
    const fresh = refresh(cache, key);
    if (cached) {
      event.waitUntil(fresh.catch(() => undefined));  // offline: the cached copy is the answer
      return cached;
    }
    return fresh;
  })());
});
