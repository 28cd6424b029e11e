// The lender's published branding (GET /api/v1/brand) on the capture page: name and header
// colour. The last one seen is kept on the device, so the page looks the same offline.
import * as store from "./store.js";

export function applyBrand(brand) {
  if (!brand || !brand.name) return;
  const bar = document.querySelector("header.bar");
  const link = bar.querySelector(".brand");
  link.textContent = brand.name;
  link.id = "agent-brand-name";
  if (/^#[0-9a-f]{6}$/i.test(brand.primary || "")) {
    bar.style.background = brand.primary;
    document.querySelector('meta[name="theme-color"]').setAttribute("content", brand.primary);
  }
  document.title = `Field capture · ${brand.name}`;
}

export async function loadBrand() {
  try {
    const r = await fetch("/api/v1/brand", { cache: "no-store" });
    if (!r.ok) return;
    const data = await r.json();
    store.remember("brand", data);
    applyBrand(data);
  } catch {
    // offline or unreachable: the remembered branding stays
  }
}
